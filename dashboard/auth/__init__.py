"""Who is asking: roles and the stage policy, built-in users (argon2), the trusted proxy header, and the
login rate limiter."""
