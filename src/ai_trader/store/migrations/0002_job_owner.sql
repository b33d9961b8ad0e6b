-- Which worker runs a job (host:pid:nonce) and when it last said so: a restart or another worker adopts a
-- running job only when its owner is gone (NULL owner, dead process on this host, or a stale heartbeat).
ALTER TABLE jobs ADD COLUMN worker_id TEXT;
ALTER TABLE jobs ADD COLUMN heartbeat_at TEXT;
