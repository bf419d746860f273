import type { Migration } from '../storage/migrations'

/** The webhooks schema (030–039). Every key leads with `workspace_id`. */
export const WEBHOOKS_MIGRATIONS: readonly Migration[] = [
  {
    id: '030_webhooks',
    sql: `
      create table webhooks (
        workspace_id text not null,
        webhook_id text not null,
        url text not null,
        events text[] not null,
        secret_sealed text,
        created_by text not null,
        created_at timestamptz not null,
        last_delivery_at timestamptz,
        last_delivery_status integer,
        last_delivery_error text,
        primary key (workspace_id, webhook_id)
      );
      create table webhook_deliveries (
        workspace_id text not null,
        delivery_id text not null,
        webhook_id text not null,
        event_id text not null,
        event_type text not null,
        body text not null,
        status text not null check (status in ('pending', 'delivering', 'succeeded', 'failed')),
        attempts integer not null default 0,
        next_attempt_at timestamptz,
        locked_until timestamptz,
        last_status integer,
        last_error text,
        created_at timestamptz not null,
        last_attempt_at timestamptz,
        primary key (workspace_id, delivery_id),
        unique (workspace_id, webhook_id, event_id)
      );
      create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
      create index webhook_deliveries_stuck on webhook_deliveries (locked_until) where status = 'delivering';
      create index webhook_deliveries_by_webhook on webhook_deliveries (workspace_id, webhook_id, created_at)
    `,
  },
  {
    // Webhooks subscribed to ledger events (evidence.created, attestation.created) read new
    // leaves from here on: the next leaf index they have not looked at yet.
    id: '031_webhook_ledger_cursor',
    sql: `
      alter table webhooks add column ledger_cursor bigint;
      create index webhooks_ledger_feed on webhooks (workspace_id) where ledger_cursor is not null
    `,
  },
  {
    // Finished deliveries are pruned after the retention period (see WebhookService.sweep).
    id: '032_webhook_deliveries_retention',
    sql: `create index webhook_deliveries_finished on webhook_deliveries (created_at) where status in ('succeeded', 'failed')`,
  },
]
