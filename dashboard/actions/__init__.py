"""The board's write side: what a role may do, the gateway to Kargo (cluster or simulator), the action
service that ties them to the audit log."""
