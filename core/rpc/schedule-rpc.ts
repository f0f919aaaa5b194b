/** What a ScheduleDO (one per schedule, name = schedule id) answers; the schedule itself is its D1 row. */
export interface ScheduleRpc extends Rpc.DurableObjectBranded {
  /** The row was saved, enabled or disabled: the alarm is set to its next due time, or cleared. Answers that time (ISO) or null. */
  changed(scheduleId: string): Promise<string | null>;
  /** The schedule was deleted: the alarm and the object's storage go. */
  forget(): Promise<void>;
}
