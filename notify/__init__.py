"""The outbox sender: delivers the notifications queued in the `outbox` table
(data_access.kri_alerts) — e-mail over SMTP configured by the environment."""
