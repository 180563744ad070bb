import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { Link, matchPath, navigate, useLocation } from "./router";

function Where() {
  const { path, params } = useLocation();
  return (
    <p>
      {path}|{params.get("q") ?? ""}
      <Link to="/users/new">new</Link>
    </p>
  );
}

describe("router", () => {
  it("matches patterns and extracts parameters", () => {
    expect(matchPath("/users/:id/edit", "/users/7/edit")).toEqual({ id: "7" });
    expect(matchPath("/users/:id/edit", "/users/7/edit/")).toEqual({ id: "7" });
    expect(matchPath("/users", "/users")).toEqual({});
    expect(matchPath("/users", "/users/new")).toBeNull();
    expect(matchPath("/users/:id/edit", "/users//edit")).toBeNull();
  });

  it("re-renders on navigate, on links and on the back button", async () => {
    render(<Where />);
    expect(screen.getByText("/|")).toBeInTheDocument();
    act(() => navigate("/users?q=ana"));
    expect(screen.getByText("/users|ana")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("link", { name: "new" }));
    expect(window.location.pathname).toBe("/users/new");
    expect(screen.getByText("/users/new|")).toBeInTheDocument();
    await act(async () => {
      window.history.back();
      await new Promise((resolve) => window.addEventListener("popstate", resolve, { once: true }));
    });
    expect(screen.getByText("/users|ana")).toBeInTheDocument();
  });
});
