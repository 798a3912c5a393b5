-- IPv4 clients reached through a dual-stack socket were stored as "::ffff:a.b.c.d".
-- New rows are normalised by lib/auth/client-ip.ts; rewrite the old ones the same way,
-- so the audit filter, the CSV export and every page see one form per client.
UPDATE "sessions" SET "ip" = substring("ip" from 8)
WHERE "ip" ~* '^::ffff:[0-9]{1,3}(\.[0-9]{1,3}){3}$';

UPDATE "auth_events" SET "ip" = substring("ip" from 8)
WHERE "ip" ~* '^::ffff:[0-9]{1,3}(\.[0-9]{1,3}){3}$';
