"""Set "f" of the fresh PII set (:mod:`crewline.evals.benchmarks.pii_fresh`).

Written (session of the ``pii`` helper, issue 16) after the detector changes sets "d" and "e" led to,
and never tuned on: its first run is the figure on unseen data after them. Positives: national ids of
countries no rule was written for (Argentine CUIL, Chilean RUT, Japanese My Number, Romanian CNP,
Croatian OIB, Czech rodné číslo, Greek AMKA), the covered countries' numbers where support chats and
forms put them (JSON, CSV rows, form fields, sentences), four more IBAN countries. National ids are
marked ``NATIONAL_ID``. Hard negatives: the same lengths and groupings as ids, amounts and codes.

Every check digit was computed for a random body (none is a real person's or account's).
"""

from __future__ import annotations

from typing import Any

__all__ = ["FIRST_RUN_F", "NEGATIVE_F", "POSITIVE_F"]

# ``python -m crewline.evals.benchmarks.pii_fresh --set f`` at the commit that added this set
# (0bba6d5), its first run, on data no rule was written for: national ids 17 of 30 (none of the seven
# countries not covered; of the covered ones a JSON key "sin", an unlabelled CSV field, a form field
# named "nino", a table's "| PESEL |", "contribuinte n.º" and "fødselsnr." missed), IBANs 4 of 4; one
# negative (a 13-digit invoice number passing Luhn) read as a card.
FIRST_RUN_F: dict[str, Any] = {
    "recall": 0.6176,
    "precision": 0.913,
    "hard_negative_fpr": 0.0833,
    "national_id_recall": 0.5667,
}

# ``[[TYPE|value]]`` marks a gold span (read by ``pii_fresh._row``).
POSITIVE_F = (
    # countries no rule was written for
    "mi CUIL es [[NATIONAL_ID|20-28031919-9]]",
    "RUT: [[NATIONAL_ID|14.069.674-9]]",
    "マイナンバー [[NATIONAL_ID|9945 2170 0691]]",
    "CNP [[NATIONAL_ID|1790301189142]]",
    "OIB: [[NATIONAL_ID|30404785994]]",
    "rodné číslo [[NATIONAL_ID|871118/0676]]",
    "ΑΜΚΑ [[NATIONAL_ID|10025007559]]",
    # covered countries where chats and forms put them
    '{"customer": "R. Singh", "sin": "[[NATIONAL_ID|255 110 397]]"}',
    "Jansen,Pieter,[[NATIONAL_ID|889041660]],Utrecht",
    "Aadhaar: [[NATIONAL_ID|9885 6441 8039]] / PAN: ABCDE1234F",
    '<input name="nino" value="[[NATIONAL_ID|GX970008D]]">',
    "the DNI on my card is [[NATIONAL_ID|21206473J]] and my wife's NIE [[NATIONAL_ID|X7359460N]]",
    "CPF: [[NATIONAL_ID|452.942.645-95]]; CEP 01310-100",
    "| PESEL | [[NATIONAL_ID|11102347687]] |",
    "Sécurité sociale n° [[NATIONAL_ID|1 74 10 07 287 770 10]]",
    "TFN - [[NATIONAL_ID|943 710 993]]",
    "NRIC/FIN: [[NATIONAL_ID|T8273360J]]",
    "身份证号码：[[NATIONAL_ID|110101199205183591]]",
    "personnummer: [[NATIONAL_ID|730103-1238]]",
    "INSZ [[NATIONAL_ID|81.02.19-838.16]]",
    "contribuinte n.º [[NATIONAL_ID|399148892]]",
    "fødselsnr. [[NATIONAL_ID|15067526551]]",
    "HETU [[NATIONAL_ID|101095-4418]]",
    "ID no: [[NATIONAL_ID|8712013144094]]",
    "TCKN: [[NATIONAL_ID|68721767206]]",
    "ת.ז. [[NATIONAL_ID|769256223]]",
    "[[NATIONAL_ID|710310-2332459]] (주민번호)",
    "C.F. [[NATIONAL_ID|RSSMRA97B01H538Y]]",
    "ITIN: [[NATIONAL_ID|959-70-6730]]",
    # IBANs
    "Faroese account [[IBAN_CODE|FO03 6690 6512 5504 86]]",
    "Greenland: [[IBAN_CODE|GL02 6901 1616 7988 45]]",
    "San Marino IBAN [[IBAN_CODE|SM18 V22N 3156 2528 7484 0906 286]]",
    "Vatican account [[IBAN_CODE|VA67 1377 3927 1542 2324 19]]",
)

NEGATIVE_F = (
    "CUIL 20-28031919-8 rechazado",
    "RUT 14.069.674-3 no válido",
    "order 9945 2170 0692 pending",
    "invoice 1790301189143 overdue",
    "case 30404785995 reopened",
    "file 871118/0677 archived",
    "amount 1 250 000,00 EUR",
    "SKU 10025007558",
    "version 20.04.1-LTS",
    "room 255 110 3 is on the left",
    "zip 01310-100",
    "ticket #889041661",
)
