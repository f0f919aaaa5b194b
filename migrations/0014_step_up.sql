-- Step-up (issue 28): when the session last proved who it is (its sign-in, or POST /auth/step-up).
ALTER TABLE `sessions` ADD `stepped_up_at` text;
