import { describe, expect, it } from "vitest";
import type { User } from "../api/client";
import { backTo, changesBetween } from "./UserEditPage";
import { listUrl, nextSort, parseListState } from "./UsersPage";

const ana: User = {
  id: 2,
  email: "ana@example.com",
  name: "Ana",
  role: "user",
  created_at: "2025-06-18T12:00:00Z",
  updated_at: "2025-06-18T12:00:00Z",
};

describe("list state in the URL", () => {
  it("parses and falls back to the defaults on bad input", () => {
    expect(parseListState(new URLSearchParams("page=3&q=ana&sort=-email"))).toEqual({
      page: 3,
      q: "ana",
      sort: "-email",
    });
    expect(parseListState(new URLSearchParams("page=0&sort=password"))).toEqual({
      page: 1,
      q: "",
      sort: "id",
    });
    expect(parseListState(new URLSearchParams("page=2.5"))).toEqual({ page: 1, q: "", sort: "id" });
  });

  it("writes only what differs from the defaults, and round-trips", () => {
    expect(listUrl({ page: 1, q: "", sort: "id" })).toBe("/users");
    const url = listUrl({ page: 2, q: "a b", sort: "-name" });
    expect(url).toBe("/users?page=2&q=a+b&sort=-name");
    expect(parseListState(new URL(url, "http://x").searchParams)).toEqual({
      page: 2,
      q: "a b",
      sort: "-name",
    });
  });

  it("sorts by a new column ascending and flips the current one", () => {
    expect(nextSort("id", "name")).toBe("name");
    expect(nextSort("name", "name")).toBe("-name");
    expect(nextSort("-name", "name")).toBe("name");
  });
});

describe("edit", () => {
  it("sends only what changed, the password only when typed, the role only when editable", () => {
    const same = { email: ana.email, name: ana.name, password: "", role: ana.role };
    expect(changesBetween(ana, same, true)).toEqual({});
    expect(changesBetween(ana, { ...same, name: "Ana Lima", password: "new-password" }, true)).toEqual({
      name: "Ana Lima",
      password: "new-password",
    });
    expect(changesBetween(ana, { ...same, role: "admin" }, true)).toEqual({ role: "admin" });
    expect(changesBetween(ana, { ...same, role: "admin" }, false)).toEqual({});
  });

  it("goes back only to a list page of this app", () => {
    expect(backTo(new URLSearchParams("back=%2Fusers%3Fpage%3D2"))).toBe("/users?page=2");
    expect(backTo(new URLSearchParams("back=https%3A%2F%2Fevil.example"))).toBe("/users");
    expect(backTo(new URLSearchParams("back=%2F%2Fevil.example"))).toBe("/users");
    expect(backTo(new URLSearchParams(""))).toBe("/users");
  });
});
