// An in-memory stand-in for the user service's HTTP API, for component tests only: the real backend (on a real
// PostgreSQL, behind the real nginx) is what tests/userapp/test_frontend_e2e.py drives. It answers with real
// Response objects in the API's documented shapes (userapp/backend/README.md), so the client code under test
// is the production code.
import type { User } from "../api/client";

export const ADMIN = { email: "root@example.com", password: "admin-password-1" };

interface Call {
  method: string;
  path: string;
  body: unknown;
  authorization: string | null;
}

function json(status: number, body: unknown): Response {
  return new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

function error(status: number, code: string, message: string, fields?: Record<string, string>): Response {
  return json(status, { error: { code, message, ...(fields ? { fields } : {}) } });
}

export class FakeBackend {
  users: (User & { password: string })[] = [];
  calls: Call[] = [];
  /** When set, every request fails this way (a 5xx Response, or a thrown TypeError like a dead network). */
  outage: "network" | number | null = null;
  private nextId = 1;

  constructor() {
    this.add("Administrator", ADMIN.email, ADMIN.password, "admin");
  }

  add(name: string, email: string, password = "password-123", role: User["role"] = "user"): User {
    const now = new Date(Date.UTC(2025, 5, 18, 12, 0, this.nextId)).toISOString();
    const user = { id: this.nextId++, name, email, password, role, created_at: now, updated_at: now };
    this.users.push(user);
    return user;
  }

  /** The `fetch` to hand to ApiClient. */
  fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const method = init.method ?? "GET";
    const headers = new Headers(init.headers);
    const body: unknown = typeof init.body === "string" ? JSON.parse(init.body) : null;
    this.calls.push({ method, path: input, body, authorization: headers.get("Authorization") });
    if (this.outage === "network") throw new TypeError("Failed to fetch");
    if (typeof this.outage === "number")
      return new Response("<html>Bad Gateway</html>", { status: this.outage });
    const url = new URL(input, "http://app.test");
    if (url.pathname === "/api/version") {
      return json(200, {
        version: "0.1.0",
        commit: "0123abcd4567ef89",
        image_tag: "0123abcd",
        environment: "stg",
      });
    }
    if (url.pathname === "/api/auth/login") return this.login(body as { email: string; password: string });
    const me = this.users.find((user) => headers.get("Authorization") === `Bearer token-${user.id}`);
    if (!me) return error(401, "unauthorized", "missing or invalid token");
    return this.route(method, url, body as Record<string, string>, me);
  };

  private login({ email, password }: { email: string; password: string }): Response {
    const user = this.users.find((u) => u.email === email.toLowerCase() && u.password === password);
    if (!user) return error(401, "unauthorized", "wrong email or password");
    return json(200, { access_token: `token-${user.id}`, token_type: "bearer", expires_in: 900 });
  }

  private route(method: string, url: URL, body: Record<string, string>, me: User): Response {
    const path = url.pathname;
    const id = Number(/^\/api\/users\/(\d+)$/.exec(path)?.[1]);
    const target = this.users.find((user) => user.id === id);
    if (path === "/api/auth/me") return json(200, this.public(me));
    if (path === "/api/users" && method === "GET") return this.list(url.searchParams);
    if (path === "/api/users" && method === "POST") return this.save(null, body);
    if (path === "/api/stats") {
      const admins = this.users.filter((user) => user.role === "admin").length;
      const total = this.users.length;
      return json(200, {
        total_users: total,
        admins,
        users: total - admins,
        per_day: [{ date: "2025-06-18", count: total }],
        per_week: [{ week_start: "2025-06-16", count: total }],
      });
    }
    if (!target) return error(404, "not_found", "no such user");
    if (method === "GET") return json(200, this.public(target));
    if (method === "PATCH") return this.save(target, body);
    if (method === "DELETE") {
      this.users = this.users.filter((user) => user !== target);
      return new Response(null, { status: 204 });
    }
    return error(405, "method_not_allowed", "Method Not Allowed");
  }

  private list(params: URLSearchParams): Response {
    const q = (params.get("q") ?? "").toLowerCase();
    const page = Number(params.get("page") ?? 1);
    const size = Number(params.get("page_size") ?? 20);
    const sort = params.get("sort") ?? "id";
    const key = sort.replace(/^-/, "") as keyof User;
    const found = this.users
      .filter((user) => user.name.toLowerCase().includes(q) || user.email.includes(q))
      .sort(
        (a, b) =>
          (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : a.id - b.id) * (sort.startsWith("-") ? -1 : 1),
      );
    return json(200, {
      items: found.slice((page - 1) * size, page * size).map((user) => this.public(user)),
      total: found.length,
      page,
      page_size: size,
      pages: Math.ceil(found.length / size),
    });
  }

  private save(target: (User & { password: string }) | null, body: Record<string, string>): Response {
    const fields: Record<string, string> = {};
    if (body.password !== undefined && body.password.length < 8) {
      fields.password = "String should have at least 8 characters";
    }
    if (body.email !== undefined && !body.email.includes("@")) {
      fields.email = "The email address is not valid. It must have exactly one @-sign.";
    }
    if (Object.keys(fields).length > 0) return error(422, "validation_error", "invalid request", fields);
    const email = body.email?.toLowerCase();
    if (email && this.users.some((user) => user.email === email && user !== target)) {
      return error(409, "duplicate_email", "a user with this email already exists");
    }
    if (target === null) {
      const created = this.add(
        body.name ?? "",
        email ?? "",
        body.password,
        (body.role as User["role"]) ?? "user",
      );
      return json(201, this.public(created));
    }
    Object.assign(target, { ...body, ...(email ? { email } : {}) });
    return json(200, this.public(target));
  }

  private public(user: User): User {
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      created_at: user.created_at,
      updated_at: user.updated_at,
    };
  }
}
