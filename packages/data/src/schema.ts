// The data service's tables (PostgreSQL; the same text on PGlite and on a server). Append a migration, never
// edit one that shipped: the store refuses an applied migration whose text changed.
export const DATA_COMPONENT = "data";

export const dataMigrations: readonly string[] = [
  `
  create table data_counters (name text primary key, value bigint not null);
  insert into data_counters (name, value) values ('disclosure', 0);

  create table vault_objects (
    object_id text primary key,
    subject text not null,
    subject_id text not null,
    kind text not null,
    data_class text not null,
    region text not null,
    content_type text not null,
    created_at bigint not null,
    retain_until bigint not null,
    uploaded_at bigint not null,
    blob text,
    size integer not null,
    capsule bytea,
    wrapped_key bytea,
    salted_hash text not null,
    kid text not null,
    signature text not null,
    meta jsonb not null,
    anchor_tx text,
    erased_at bigint,
    erase_reason text,
    erase_tx text
  );
  create index vault_objects_subject on vault_objects (subject, uploaded_at);
  create index vault_objects_unanchored on vault_objects (uploaded_at) where anchor_tx is null;

  create table consents (
    consent_id text primary key,
    subject text not null,
    grantee text not null,
    scopes text not null,
    scope_names jsonb not null,
    purpose text not null,
    purpose_hash text not null,
    valid_from bigint not null,
    valid_until bigint not null,
    salt text not null,
    signature text not null,
    granter text not null,
    status text not null,
    threshold integer not null,
    delegating_pk text not null,
    receiving_pk text not null,
    verifying_pk text not null,
    request_id text,
    grant_tx text,
    created_at bigint not null,
    revoked_at bigint,
    revoke_tx text
  );
  create index consents_subject on consents (subject);
  create index consents_grantee on consents (grantee);

  create table kfrags (
    consent_id text not null references consents (consent_id) on delete cascade,
    proxy integer not null,
    kfrag bytea not null,
    primary key (consent_id, proxy)
  );

  create table disclosures (
    seq bigint primary key,
    at bigint not null,
    object_id text not null,
    subject text not null,
    consumer text not null,
    purpose text not null,
    consent_id text not null,
    leaf text not null,
    anchor_index integer
  );
  create index disclosures_subject on disclosures (subject, seq);
  create index disclosures_unanchored on disclosures (seq) where anchor_index is null;

  create table disclosure_anchors (
    idx integer primary key,
    root text not null,
    from_seq bigint not null,
    to_seq bigint not null,
    tx text not null,
    at bigint not null
  );

  create table incidents (
    incident_id text primary key,
    title text not null,
    description text not null,
    detected_at bigint not null,
    recorded_at bigint not null,
    details_hash text not null,
    affected_root text not null,
    affected_count integer not null,
    tx text
  );

  create table notifications (
    id text primary key,
    subject text not null,
    incident_id text not null references incidents (incident_id),
    object_ids jsonb not null,
    created_at bigint not null
  );
  create index notifications_subject on notifications (subject);

  create table data_requests (
    request_id text primary key,
    requester text not null,
    kinds jsonb not null,
    purpose text not null,
    valid_from bigint not null,
    valid_until bigint not null,
    price text not null,
    max_participants integer,
    status text not null,
    created_at bigint not null
  );
  create table request_participants (
    request_id text not null references data_requests (request_id),
    subject text not null,
    consent_id text not null,
    joined_at bigint not null,
    primary key (request_id, subject)
  );

  create table datasets (
    dataset_id text primary key,
    owner text not null,
    name text not null,
    columns jsonb not null,
    records jsonb not null,
    accountant jsonb not null,
    created_at bigint not null
  );
  create table dataset_queries (
    dataset_id text not null references datasets (dataset_id),
    seq integer not null,
    at bigint not null,
    by_did text not null,
    query jsonb not null,
    charge jsonb not null,
    primary key (dataset_id, seq)
  );
  `,
  // Payments of priced data requests (DataEscrow, docs/data-sharing.md): one row per participant that delivered, created
  // with the delivering read's disclosure; payment_id = keccak256(abi.encodePacked(request_id, subject id)).
  `
  create table request_payments (
    payment_id text primary key,
    request_id text not null references data_requests (request_id),
    subject text not null,
    amount text not null,
    status text not null check (status in ('due', 'paid', 'failed')),
    recipient text,
    tx text,
    error text,
    created_at bigint not null,
    settled_at bigint,
    unique (request_id, subject)
  );
  create index request_payments_due on request_payments (status) where status = 'due';
  `,
];
