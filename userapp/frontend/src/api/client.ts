// The user service's HTTP API (userapp/backend/README.md), same origin: nginx (or Vite's dev server) proxies
// /api/ to the backend. Every failure becomes an ApiError (the server answered) or a NetworkError (it did not).

export type Role = "admin" | "user";

export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
  created_at: string;
  updated_at: string;
}

export interface UserPage {
  items: User[];
  total: number;
  page: number;
  page_size: number;
  pages: number;
}

export const SORT_COLUMNS = ["id", "name", "email", "created_at"] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];
export type SortKey = SortColumn | `-${SortColumn}`;

export interface ListQuery {
  page: number;
  pageSize: number;
  q: string;
  sort: SortKey;
}

export interface NewUser {
  email: string;
  name: string;
  password: string;
  role: Role;
}

export type UserChanges = Partial<NewUser>;

export interface Stats {
  total_users: number;
  admins: number;
  users: number;
  per_day: { date: string; count: number }[];
  per_week: { week_start: string; count: number }[];
}

export interface Version {
  version: string;
  commit: string;
  image_tag: string;
  environment: string;
}

export interface Token {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
}

/** The server answered with an error status; `fields` maps a field name to what is wrong with it (422). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;

  constructor(status: number, code: string, message: string, fields: Record<string, string> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
  }

  get isServerError(): boolean {
    return this.status >= 500;
  }
}

/** The request never got an HTTP answer (offline, DNS, connection refused, aborted). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "NetworkError";
  }
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads the API's error body, {"error": {"code", "message", "fields"}}; a proxy's HTML page works too. */
export async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: nginx's own 502/504 page, for instance.
  }
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  const code = typeof error.code === "string" ? error.code : "http_error";
  const message = typeof error.message === "string" ? error.message : response.statusText || "error";
  const fields: Record<string, string> = {};
  if (isRecord(error.fields)) {
    for (const [name, problem] of Object.entries(error.fields)) {
      if (typeof problem === "string") fields[name] = problem;
    }
  }
  return new ApiError(response.status, code, message, fields);
}

export function listQueryString(query: ListQuery): string {
  const params = new URLSearchParams({
    page: String(query.page),
    page_size: String(query.pageSize),
    sort: query.sort,
  });
  if (query.q.trim()) params.set("q", query.q.trim());
  return params.toString();
}

export class ApiClient {
  private readonly fetchImpl: Fetch;
  private token: string | null = null;
  private onUnauthorized: () => void = () => undefined;

  constructor(fetchImpl: Fetch = (input, init) => fetch(input, init)) {
    this.fetchImpl = fetchImpl;
  }

  setToken(token: string | null): void {
    this.token = token;
  }

  /** `handler` runs when the server rejects the token (expired, or the account was deleted). */
  setUnauthorizedHandler(handler: () => void): void {
    this.onUnauthorized = handler;
  }

  async login(email: string, password: string): Promise<Token> {
    return this.request<Token>("POST", "/api/auth/login", { email, password }, false);
  }

  me(): Promise<User> {
    return this.request<User>("GET", "/api/auth/me");
  }

  listUsers(query: ListQuery): Promise<UserPage> {
    return this.request<UserPage>("GET", `/api/users?${listQueryString(query)}`);
  }

  getUser(id: number): Promise<User> {
    return this.request<User>("GET", `/api/users/${id}`);
  }

  createUser(user: NewUser): Promise<User> {
    return this.request<User>("POST", "/api/users", user);
  }

  /** PATCH: only the fields given change (an absent password stays as it is). */
  updateUser(id: number, changes: UserChanges): Promise<User> {
    return this.request<User>("PATCH", `/api/users/${id}`, changes);
  }

  async deleteUser(id: number): Promise<void> {
    await this.request<null>("DELETE", `/api/users/${id}`);
  }

  stats(days = 14, weeks = 8): Promise<Stats> {
    return this.request<Stats>("GET", `/api/stats?days=${days}&weeks=${weeks}`);
  }

  /** The backend's build: nginx maps /api/version to the backend's /version. */
  version(): Promise<Version> {
    return this.request<Version>("GET", "/api/version", undefined, false);
  }

  private async request<T>(method: string, path: string, body?: unknown, authenticated = true): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (authenticated && this.token) headers.Authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await this.fetchImpl(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw new NetworkError(cause);
    }
    if (!response.ok) {
      const error = await errorFrom(response);
      if (error.status === 401 && authenticated) this.onUnauthorized();
      throw error;
    }
    if (response.status === 204) return null as T;
    try {
      return (await response.json()) as T;
    } catch {
      // A 200 that is not JSON means the proxy sent something else (its SPA page, say): not our API.
      throw new ApiError(502, "bad_response", `${method} ${path}: the answer is not JSON`);
    }
  }
}
