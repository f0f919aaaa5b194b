import { describe, expect, it } from "vitest";
import { crumbsOf, filesAddress, isInside, nameProblem, parentOf } from "../../../frontend/src/files/file-paths.ts";
import { imageTypeOf, languageOf, textOf } from "../../../frontend/src/files/file-kinds.ts";

describe("the Files tab's paths", () => {
  it("makes a breadcrumb from the root down, the root named by its whole path", () => {
    expect(crumbsOf("/srv/app", "/srv/app/src/lib")).toEqual([
      { name: "/srv/app", path: "/srv/app" },
      { name: "src", path: "/srv/app/src" },
      { name: "lib", path: "/srv/app/src/lib" },
    ]);
    expect(crumbsOf("/srv/app", "/srv/app")).toEqual([{ name: "/srv/app", path: "/srv/app" }]);
    // A folder outside the root is not walked up into.
    expect(crumbsOf("/srv/app", "/srv/application")).toEqual([{ name: "/srv/app", path: "/srv/app" }]);
  });

  it("tells a folder under a root from one that only starts with its name", () => {
    expect(isInside("/srv/app/src", "/srv/app")).toBe(true);
    expect(isInside("/srv/app", "/srv/app/")).toBe(true);
    expect(isInside("/srv/apple", "/srv/app")).toBe(false);
    expect(parentOf("/srv/app/src")).toBe("/srv/app");
    expect(parentOf("/srv")).toBe("/");
  });

  it("keeps the folder readable in the address, and escapes what must be", () => {
    expect(filesAddress("/instances/ins_1/files", "/srv/app/src")).toBe("/instances/ins_1/files?path=/srv/app/src");
    const odd = filesAddress("/instances/ins_1/files", "/srv/a b&c", "x#y.txt");
    const q = new URL(odd, "http://x").searchParams;
    expect([q.get("path"), q.get("file")]).toEqual(["/srv/a b&c", "x#y.txt"]);
  });

  it("refuses names that are not one entry of a folder", () => {
    for (const bad of ["", "  ", "a/b", ".", "..", "a\0b"]) expect(nameProblem(bad)).not.toBeNull();
    for (const good of ["a.txt", ".env", "ünïcode", "with space"]) expect(nameProblem(good)).toBeNull();
  });
});

describe("what an opened file is shown as", () => {
  const utf8 = (s: string) => new TextEncoder().encode(s);

  it("reads UTF-8 without a NUL as text, anything else as binary", () => {
    expect(textOf(utf8("héllo\n"))).toBe("héllo\n");
    expect(textOf(new Uint8Array([0x68, 0x00, 0x69]))).toBeNull();
    expect(textOf(new Uint8Array([0xff, 0xfe, 0x41]))).toBeNull();
    expect(textOf(new Uint8Array())).toBe("");
  });

  it("knows images and languages by extension, case aside", () => {
    expect(imageTypeOf("logo.SVG")).toBe("image/svg+xml");
    expect(imageTypeOf("photo.jpeg")).toBe("image/jpeg");
    expect(imageTypeOf("notes.txt")).toBeNull();
    expect(imageTypeOf(".png")).toBeNull();
    expect(languageOf("app.tsx")).toBe("tsx");
    expect(languageOf("config.yml")).toBe("yaml");
    expect(languageOf("Makefile")).toBeNull();
  });
});
