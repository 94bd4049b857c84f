"""The citizen app: the public reporting and tracking pages as an installable web app that keeps reports as
drafts while offline and sends each exactly once (an idempotency key per draft, honoured by the server)."""
