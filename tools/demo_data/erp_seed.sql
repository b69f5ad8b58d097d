-- Kestrel Financial legacy ERP (demo). Fictional data, hand-written for crewline's demo crew.
--
-- The schema mirrors an old mainframe-era system on purpose: upper-case column names with
-- abbreviations, CHAR keys (customer ids are 7 zero-padded digits), single-letter status codes,
-- money in integer cents, and dates stored as text in whichever format the writing program used
-- (YYYYMMDD, MM/DD/YYYY, the AS/400 CYYMMDD form, card expiry as MMYY). Some CHAR fields keep
-- their trailing padding and some contact fields were keyed in by hand. tools/erp.py is the adapter
-- that turns all of this into typed, modern records.
--
-- Codes
--   CUSTMAST.STATUS_CD   A active, S suspended, C closed, L locked by a batch job
--   INVHDR.STAT_CD       O open, P paid, V void
--   PAYMT.METHOD_CD      AC bank transfer (ACH), CC card, CK check, WR wire, CA cash
--   CARDS.CARD_TYP       CR credit, DB debit, PP prepaid
--   CARDS.STAT_CD        A active, F frozen, X closed
--   FRAUD_RPT.STAT_CD    N new, I investigating, R resolved
--   ORDERS.STAT_CD       N placed, S shipped, D delivered, X cancelled

CREATE TABLE CUSTMAST (
    CUST_ID     CHAR(7)     NOT NULL PRIMARY KEY,
    FIRST_NM    CHAR(20)    NOT NULL,
    LAST_NM     CHAR(25)    NOT NULL,
    EMAIL_ADDR  VARCHAR(60),
    PHONE_NBR   CHAR(14),
    CREATE_DT   CHAR(10)    NOT NULL,
    STATUS_CD   CHAR(1)     NOT NULL
);

CREATE TABLE INVHDR (
    INV_NO      CHAR(9)     NOT NULL PRIMARY KEY,
    CUST_ID     CHAR(7)     NOT NULL REFERENCES CUSTMAST (CUST_ID),
    INV_DT      CHAR(10)    NOT NULL,
    DUE_DT      CHAR(10),
    AMT_CENTS   INTEGER     NOT NULL,
    PAID_CENTS  INTEGER     NOT NULL DEFAULT 0,
    STAT_CD     CHAR(1)     NOT NULL
);
CREATE INDEX INVHDR_CUST ON INVHDR (CUST_ID);

CREATE TABLE PAYMT (
    PAY_ID      INTEGER     NOT NULL PRIMARY KEY,
    CUST_ID     CHAR(7)     NOT NULL REFERENCES CUSTMAST (CUST_ID),
    INV_NO      CHAR(9),
    PAY_DT      CHAR(10)    NOT NULL,
    AMT_CENTS   INTEGER     NOT NULL,
    METHOD_CD   CHAR(2)     NOT NULL
);
CREATE INDEX PAYMT_CUST ON PAYMT (CUST_ID);

CREATE TABLE CARDS (
    CARD_ID     CHAR(7)     NOT NULL PRIMARY KEY,
    CUST_ID     CHAR(7)     NOT NULL REFERENCES CUSTMAST (CUST_ID),
    LAST4       CHAR(4)     NOT NULL,
    CARD_TYP    CHAR(2)     NOT NULL,
    STAT_CD     CHAR(1)     NOT NULL,
    EXP_DT      CHAR(4)     NOT NULL,
    FRZ_DT      CHAR(8),
    FRZ_RSN     CHAR(120)
);
CREATE INDEX CARDS_CUST ON CARDS (CUST_ID);

CREATE TABLE FRAUD_RPT (
    RPT_ID      INTEGER     NOT NULL PRIMARY KEY,
    CUST_ID     CHAR(7)     NOT NULL REFERENCES CUSTMAST (CUST_ID),
    CARD_ID     CHAR(7),
    RPT_DT      CHAR(8)     NOT NULL,
    DESC_TXT    VARCHAR(500) NOT NULL,
    STAT_CD     CHAR(1)     NOT NULL
);

CREATE TABLE ORDERS (
    ORD_ID          CHAR(8)     NOT NULL PRIMARY KEY,
    CUST_ID         CHAR(7)     NOT NULL REFERENCES CUSTMAST (CUST_ID),
    ITEM_DESC       VARCHAR(60) NOT NULL,
    ORD_DT          CHAR(10)    NOT NULL,
    AMT_CENTS       INTEGER     NOT NULL,
    STAT_CD         CHAR(1)     NOT NULL,
    REFUND_ELIG_FLG CHAR(1)     NOT NULL,
    REFUNDED_CENTS  INTEGER     NOT NULL DEFAULT 0
);
CREATE INDEX ORDERS_CUST ON ORDERS (CUST_ID);

-- Customers. Rows 0001002 and 0001005 were converted from the old branch system (MM/DD/YYYY);
-- 0001004 dates from the AS/400 era (CYYMMDD, century digit 1 = 20xx).
INSERT INTO CUSTMAST VALUES ('0001001', 'Ada       ', 'Quill     ', 'ada.quill@example.com',    '5035550142',     '20190314',   'A');
INSERT INTO CUSTMAST VALUES ('0001002', 'Bram', 'Okafor', 'BRAM.OKAFOR@EXAMPLE.NET',               '(503) 555-0177', '07/22/2020', 'A');
INSERT INTO CUSTMAST VALUES ('0001003', 'Carmen', 'Ruiz-Velasco', 'carmen.rv@example.org',         '503.555.0123',   '20170605',   'S');
INSERT INTO CUSTMAST VALUES ('0001004', 'Dmitri', 'Halvorsen', 'd.halvorsen@example.com',          '5035550108',     '1151130',    'C');
INSERT INTO CUSTMAST VALUES ('0001005', 'Esi', 'Mensah', 'Esi.Mensah@Example.com ',                '1-971-555-0164', '12/01/2022', 'A');
INSERT INTO CUSTMAST VALUES ('0001006', 'Farid', 'Nasser', 'farid.nasser@example.net',             '5415550131',     '20210209',   'L');
INSERT INTO CUSTMAST VALUES ('0001007', 'Greta', 'Lindqvist', 'greta@lindqvist.example',           '',               '20230817',   'A');
INSERT INTO CUSTMAST VALUES ('0001008', 'Hiro', 'Tanaka', 'hiro.tanaka@example.com',               '3605550155',     '20200430',   'A');
INSERT INTO CUSTMAST VALUES ('0001009', 'Imani', 'Brooks', 'imani.brooks@example.org',             '2065550190',     '20240111',   'A');
INSERT INTO CUSTMAST VALUES ('0001010', 'Jonas', 'Weber', NULL,                                    '5035550119',     '20250902',   'A');

-- Invoices (cents).
INSERT INTO INVHDR VALUES ('INV-20031', '0001001', '20260905',   '20261005',   31200,  31200, 'P');
INSERT INTO INVHDR VALUES ('INV-20041', '0001001', '20261105',   '20261205',   84250,      0, 'O');
INSERT INTO INVHDR VALUES ('INV-20042', '0001001', '20261120',   '20261220',   50000,  10800, 'O');
INSERT INTO INVHDR VALUES ('INV-20032', '0001002', '20260910',   '20261010',   12999,  12999, 'P');
INSERT INTO INVHDR VALUES ('INV-20043', '0001002', '20261106',   '20261206',    4500,   4500, 'P');
INSERT INTO INVHDR VALUES ('INV-20019', '0001003', '20260701',   '20260801',  215075,      0, 'O');
INSERT INTO INVHDR VALUES ('INV-20020', '0001004', '20260702',   '20260802',    9900,      0, 'V');
INSERT INTO INVHDR VALUES ('INV-20044', '0001005', '11/08/2026', '12/08/2026',  6725,      0, 'O');
INSERT INTO INVHDR VALUES ('INV-20045', '0001006', '20261109',   '20261209',   38000,      0, 'O');
INSERT INTO INVHDR VALUES ('INV-20046', '0001007', '20261110',   '20261210',  120000,  45000, 'O');
INSERT INTO INVHDR VALUES ('INV-20047', '0001008', '20261112',   '20261212',    2599,      0, 'O');
INSERT INTO INVHDR VALUES ('INV-20048', '0001009', '20261114',   '20261214',   73310,      0, 'O');

-- Payments. 70006 was never applied to an invoice (blank INV_NO, as the old cashiering screen wrote it).
INSERT INTO PAYMT VALUES (70001, '0001001', 'INV-20031', '20261001', 31200, 'AC');
INSERT INTO PAYMT VALUES (70002, '0001001', 'INV-20042', '20261122', 10800, 'CC');
INSERT INTO PAYMT VALUES (70006, '0001001', '         ', '20260815',  2500, 'CK');
INSERT INTO PAYMT VALUES (70003, '0001002', 'INV-20032', '20261008', 12999, 'CK');
INSERT INTO PAYMT VALUES (70004, '0001002', 'INV-20043', '20261115',  4500, 'CC');
INSERT INTO PAYMT VALUES (70005, '0001007', 'INV-20046', '20261118', 45000, 'WR');

-- Cards. EXP_DT is MMYY; FRZ_DT/FRZ_RSN are filled when a card is frozen.
INSERT INTO CARDS VALUES ('K000301', '0001001', '4417', 'CR', 'A', '0929', NULL, NULL);
INSERT INTO CARDS VALUES ('K000302', '0001002', '8830', 'CR', 'A', '0328', NULL, NULL);
INSERT INTO CARDS VALUES ('K000303', '0001002', '1206', 'DB', 'X', '0125', NULL, NULL);
INSERT INTO CARDS VALUES ('K000304', '0001003', '5521', 'CR', 'F', '1127', '20260815', 'Account suspended for non-payment');
INSERT INTO CARDS VALUES ('K000305', '0001004', '0072', 'CR', 'X', '0626', NULL, NULL);
INSERT INTO CARDS VALUES ('K000306', '0001005', '3391', 'DB', 'A', '0530', NULL, NULL);
INSERT INTO CARDS VALUES ('K000307', '0001006', '6648', 'CR', 'A', '0228', NULL, NULL);
INSERT INTO CARDS VALUES ('K000308', '0001008', '9910', 'CR', 'A', '1028', NULL, NULL);
INSERT INTO CARDS VALUES ('K000309', '0001008', '4421', 'PP', 'A', '0727', NULL, NULL);
INSERT INTO CARDS VALUES ('K000310', '0001009', '7013', 'CR', 'F', '0429', '20261114', 'Customer reported the card lost');
INSERT INTO CARDS VALUES ('K000311', '0001010', '2584', 'DB', 'A', '0930', NULL, NULL);

-- Fraud reports. New reports continue the RPT_ID sequence (5003, 5004, ...).
INSERT INTO FRAUD_RPT VALUES (5001, '0001005', 'K000306', '20250612', 'Two online purchases I did not make', 'R');
INSERT INTO FRAUD_RPT VALUES (5002, '0001009', 'K000310', '20261114', 'Card lost at the airport; then a charge at a cafe I never visited', 'I');

-- Rewards-store and service orders billed to the card account (refunds are handled by a workflow).
INSERT INTO ORDERS VALUES ('O-1001', '0001001', 'Metal card upgrade',            '20261102',  4500,  'D', 'Y',     0);
INSERT INTO ORDERS VALUES ('O-1002', '0001001', 'Airport lounge annual pass',    '20261103', 125000, 'D', 'Y',     0);
INSERT INTO ORDERS VALUES ('O-1003', '0001001', 'Concierge booking fee',         '20261015',  8900,  'D', 'N',     0);
INSERT INTO ORDERS VALUES ('O-1004', '0001002', 'Noise-cancelling headphones',   '10/02/2026', 19999, 'D', 'Y', 19999);
INSERT INTO ORDERS VALUES ('O-1005', '0001006', 'Travel insurance add-on',       '20261101',  6000,  'N', 'Y',     0);
INSERT INTO ORDERS VALUES ('O-1006', '0001008', 'Replacement card courier',      '20261118',  2500,  'X', 'N',     0);
