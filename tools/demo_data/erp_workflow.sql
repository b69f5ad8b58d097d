-- Kestrel Financial legacy ERP (demo): the tables the refund workflow writes.
--
-- Applied to the demo ERP when a workflow first writes to it (CREATE ... IF NOT EXISTS, so older demo
-- databases are upgraded in place). Same conventions as erp_seed.sql: CHAR keys, single-letter codes,
-- integer cents, YYYYMMDD dates. Every row a workflow writes carries REF_KEY, the idempotency key of the
-- workflow step that wrote it.
--
-- Codes
--   REFUND_TXN.STAT_CD   P posted, R reversed
--   INVADJ.STAT_CD       A applied, R reversed
--   NOTIFY_Q.CHANNEL_CD  EM e-mail, SM text message
--   NOTIFY_Q.STAT_CD     Q queued, S sent, X cancelled
--   WF_EFFECT.STAT_CD    A applied, C compensated, X cancelled before it was applied (a tombstone)

-- Refunds posted against orders; ORDERS.REFUNDED_CENTS is the running total of posted refunds.
CREATE TABLE IF NOT EXISTS REFUND_TXN (
    RFD_ID      INTEGER     NOT NULL PRIMARY KEY,
    ORD_ID      CHAR(8)     NOT NULL REFERENCES ORDERS (ORD_ID),
    CUST_ID     CHAR(7)     NOT NULL REFERENCES CUSTMAST (CUST_ID),
    RFD_DT      CHAR(8)     NOT NULL,
    AMT_CENTS   INTEGER     NOT NULL,
    STAT_CD     CHAR(1)     NOT NULL,
    REF_KEY     VARCHAR(200) NOT NULL
);

-- Credits taken off an invoice (APPL_CENTS); what could not be applied stays a credit on account.
CREATE TABLE IF NOT EXISTS INVADJ (
    ADJ_ID      INTEGER     NOT NULL PRIMARY KEY,
    INV_NO      CHAR(9),
    CUST_ID     CHAR(7)     NOT NULL REFERENCES CUSTMAST (CUST_ID),
    ORD_ID      CHAR(8),
    ADJ_DT      CHAR(8)     NOT NULL,
    ADJ_CENTS   INTEGER     NOT NULL,
    APPL_CENTS  INTEGER     NOT NULL,
    PRIOR_STAT  CHAR(1),
    STAT_CD     CHAR(1)     NOT NULL,
    REF_KEY     VARCHAR(200) NOT NULL
);

-- The outbound message queue a nightly job sends from.
CREATE TABLE IF NOT EXISTS NOTIFY_Q (
    MSG_ID      INTEGER     NOT NULL PRIMARY KEY,
    CUST_ID     CHAR(7)     NOT NULL REFERENCES CUSTMAST (CUST_ID),
    CHANNEL_CD  CHAR(2)     NOT NULL,
    ADDR_TXT    VARCHAR(60) NOT NULL,
    SUBJ_TXT    VARCHAR(120) NOT NULL,
    BODY_TXT    VARCHAR(1000) NOT NULL,
    QUEUED_DT   CHAR(8)     NOT NULL,
    STAT_CD     CHAR(1)     NOT NULL,
    REF_KEY     VARCHAR(200) NOT NULL
);

-- One row per workflow effect, keyed by the step's idempotency key, written in the same transaction
-- as the effect itself: an effect is applied at most once and can be checked after a crash.
CREATE TABLE IF NOT EXISTS WF_EFFECT (
    IDEM_KEY    VARCHAR(200) NOT NULL PRIMARY KEY,
    OP_CD       VARCHAR(20) NOT NULL,
    TARGET_ID   VARCHAR(40),
    STAT_CD     CHAR(1)     NOT NULL,
    DETAIL_JSON TEXT        NOT NULL,
    APPLIED_TS  VARCHAR(32),
    UNDONE_TS   VARCHAR(32)
);
