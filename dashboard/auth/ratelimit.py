"""Login lock-outs that an anonymous person cannot turn against a named user.

Failures are counted in the audit database (dashboard.audit.shared), so every replica sees the same counts:

| key | limit | what it stops |
|---|---|---|
| name + client address | 5 per 5 min | guessing one person's password from one place |
| client address | 20 per 5 min | one place trying many names |
| name, from anywhere | 50 per 15 min | a guess spread over many addresses (the slower, global back-off) |
| known device | 5 per 5 min | the only limit for a browser that logged in as that name before |

A browser that logged in successfully gets a signed "known device" cookie for that name. Its attempts count
only against that device: someone holding the audience QR code, or sitting behind the same venue NAT, can
lock out only their own attempts, never the speaker's browser. The client address is the peer, or the
`X-Forwarded-For` client when the peer is one of `DASHBOARD_TRUSTED_PROXIES` (dashboard.auth.forwarded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.audit.shared import FailureCounts


@dataclass(frozen=True)
class LockoutPolicy:
    per_pair: int = 5
    per_address: int = 20
    per_user: int = 50
    per_device: int = 5
    window: timedelta = timedelta(minutes=5)
    user_window: timedelta = timedelta(minutes=15)

    @property
    def windows(self) -> dict[str, timedelta]:
        return {"pair": self.window, "address": self.window, "user": self.user_window, "device": self.window}

    def limits(self, known_device: bool) -> dict[str, int]:
        if known_device:
            return {"device": self.per_device}
        return {"pair": self.per_pair, "address": self.per_address, "user": self.per_user}

    def retry_after(self, counts: FailureCounts, now: datetime, *, known_device: bool) -> float:
        """0 when a login may be tried now, else the seconds until the oldest counted failure expires."""
        wait = 0.0
        for kind, limit in self.limits(known_device).items():
            if getattr(counts, kind) >= limit and kind in counts.oldest:
                remaining = (counts.oldest[kind] + self.windows[kind] - now).total_seconds()
                if remaining > 0:
                    wait = max(wait, remaining, 1.0)
        return wait
