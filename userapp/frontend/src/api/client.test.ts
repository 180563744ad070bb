import { describe, expect, it } from "vitest";
import { ApiClient, ApiError, errorFrom, listQueryString, NetworkError } from "./client";

interface Sent {
  input: string;
  init: RequestInit;
}

/** A fetch that records what it was asked and answers with the given Response. */
function answering(response: () => Response) {
  const sent: Sent[] = [];
  const fetch = async (input: string, init: RequestInit = {}) => {
    sent.push({ input, init });
    return response();
  };
  return { fetch, sent };
}

const jsonResponse = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

describe("errorFrom", () => {
  it("reads the API's error body with its fields", async () => {
    const error = await errorFrom(
      jsonResponse(422, {
        error: {
          code: "validation_error",
          message: "invalid request: email",
          fields: { email: "bad", n: 3 },
        },
      }),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect([error.status, error.code, error.message]).toEqual([
      422,
      "validation_error",
      "invalid request: email",
    ]);
    expect(error.fields).toEqual({ email: "bad" });
    expect(error.isServerError).toBe(false);
  });

  it("copes with a proxy's HTML error page", async () => {
    const error = await errorFrom(
      new Response("<html>502 Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }),
    );
    expect([error.status, error.code, error.message]).toEqual([502, "http_error", "Bad Gateway"]);
    expect(error.fields).toEqual({});
    expect(error.isServerError).toBe(true);
  });
});

describe("ApiClient", () => {
  it("sends JSON with the bearer token and parses the answer", async () => {
    const { fetch, sent } = answering(() => jsonResponse(201, { id: 7 }));
    const api = new ApiClient(fetch);
    api.setToken("abc");
    await expect(
      api.createUser({ email: "a@b.c", name: "A", password: "12345678", role: "user" }),
    ).resolves.toEqual({
      id: 7,
    });
    expect(sent[0]?.input).toBe("/api/users");
    expect(sent[0]?.init.method).toBe("POST");
    expect(sent[0]?.init.headers).toMatchObject({
      Authorization: "Bearer abc",
      "Content-Type": "application/json",
    });
    expect(JSON.parse(String(sent[0]?.init.body))).toEqual({
      email: "a@b.c",
      name: "A",
      password: "12345678",
      role: "user",
    });
  });

  it("returns nothing for 204 and sends no token to the login", async () => {
    const { fetch, sent } = answering(() => new Response(null, { status: 204 }));
    const api = new ApiClient(fetch);
    api.setToken("abc");
    await expect(api.deleteUser(3)).resolves.toBeUndefined();
    expect(sent[0]?.init.method).toBe("DELETE");
    const login = answering(() =>
      jsonResponse(200, { access_token: "t", token_type: "bearer", expires_in: 900 }),
    );
    const fresh = new ApiClient(login.fetch);
    fresh.setToken("old");
    await fresh.login("a@b.c", "pw");
    expect(login.sent[0]?.init.headers).not.toHaveProperty("Authorization");
  });

  it("turns a failed fetch into a NetworkError", async () => {
    const api = new ApiClient(async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(api.me()).rejects.toBeInstanceOf(NetworkError);
  });

  it("reports a rejected token, but not a failed login, to the unauthorized handler", async () => {
    const { fetch } = answering(() => jsonResponse(401, { error: { code: "unauthorized", message: "no" } }));
    const api = new ApiClient(fetch);
    let calls = 0;
    api.setUnauthorizedHandler(() => (calls += 1));
    await expect(api.login("a@b.c", "wrong")).rejects.toMatchObject({ status: 401 });
    expect(calls).toBe(0);
    await expect(api.me()).rejects.toMatchObject({ status: 401, code: "unauthorized" });
    expect(calls).toBe(1);
  });

  it("refuses a 200 that is not JSON (a misrouted proxy)", async () => {
    const api = new ApiClient(async () => new Response("<!doctype html>", { status: 200 }));
    await expect(api.version()).rejects.toMatchObject({ status: 502, code: "bad_response" });
  });

  it("builds the list query, trimming the search and leaving an empty one out", () => {
    expect(listQueryString({ page: 2, pageSize: 10, q: "  ana ", sort: "-name" })).toBe(
      "page=2&page_size=10&sort=-name&q=ana",
    );
    expect(listQueryString({ page: 1, pageSize: 10, q: " ", sort: "id" })).toBe(
      "page=1&page_size=10&sort=id",
    );
  });
});
