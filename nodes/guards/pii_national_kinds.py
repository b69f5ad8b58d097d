"""The national identity numbers :mod:`crewline.nodes.guards.pii_national` looks for: each one's
pattern, check, labels and, where its shape is its own, the bare shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crewline.nodes.guards import pii_national_checks as checks
from crewline.nodes.guards import pii_national_mod11 as mod11

__all__ = ["KINDS", "Kind"]


@dataclass(frozen=True)
class Kind:
    name: str
    valid: Callable[[str], bool]
    value: str  # the number's pattern (case-sensitive)
    label: str = ""  # the labels that make a weakly checked number count (case-insensitive)
    cues: tuple[str, ...] = ()  # literals one of which every label holds: lower case, of the lowered text
    acronyms: tuple[str, ...] = ()  # or labels written in capitals only, of the text as written
    bare: str = ""  # the shape that counts without a label ("" when none does)
    bare_needs: str = ""  # characters every bare match holds, one of each (a gate: most texts have none)


KINDS = (
    Kind(
        "uk_nino",
        checks.nino,
        r"[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]",
        r"national\s{1,2}insurance(?:\s{1,2}(?:number|no\.?|num\.?))?|(?-i:NI)\s{1,2}(?:number|no\.?)|(?-i:NINO)",
        ("insurance",),
        ("NI", "NINO"),
        bare=r"[A-Z]{2} \d{2} \d{2} \d{2} [A-D]",
        bare_needs=" ",
    ),
    Kind(
        "ca_sin",
        checks.sin,
        r"\d{3}[ -]?\d{3}[ -]?\d{3}",
        r"social\s{1,2}insurance(?:\s{1,2}number)?|(?-i:SIN|NAS)|num[ée]ro\s{1,2}d.assurance\s{1,2}sociale",
        ("insurance", "assurance"),
        ("SIN", "NAS"),
    ),
    Kind(
        "au_tfn",
        checks.tfn,
        r"\d{3}[ -]?\d{3}[ -]?\d{3}",
        r"tax\s{1,2}file\s{1,2}(?:number|no\.?)|(?-i:TFN)",
        ("tax file",),
        ("TFN",),
    ),
    Kind(
        "nl_bsn",
        checks.bsn,
        r"\d{4}\.\d{2}\.\d{3}|\d{3}[ .-]?\d{3}[ .-]?\d{3}|\d{8}",
        r"bsn|burgerservicenummer|sofinummer|sofi-nummer",
        ("bsn", "burgerservice", "sofi"),
    ),
    Kind(
        "es_dni",
        checks.dni,
        r"[XYZ]-?\d{7}-?[A-Z]|\d{8}-?[A-Z]",
        r"(?-i:DNI|NIE|NIF)|dni|nie",
        ("dni", "nie", "nif"),
        bare=r"[XYZ]\d{7}[A-Z]|\d{8}-?[A-Z]",
    ),
    Kind(
        "in_aadhaar",
        checks.aadhaar,
        r"[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}",
        r"aadhaa?r|adhaar|aadhar|uidai|(?-i:UID)|आधार",
        ("aadha", "adhaar", "uidai", "आधार"),
        ("UID",),
    ),
    Kind(
        "br_cpf",
        checks.cpf,
        r"\d{3}\.?\d{3}\.?\d{3}-?\d{2}",
        r"(?-i:CPF)|cpf",
        ("cpf",),
        bare=r"\d{3}\.\d{3}\.\d{3}-\d{2}",
        bare_needs=".-",
    ),
    Kind("pl_pesel", checks.pesel, r"\d{11}", r"pesel", ("pesel",)),
    Kind(
        "se_personnummer",
        checks.personnummer,
        r"(?:19|20)?\d{6}[-+]?\d{4}",
        r"personnummer|personnr\.?|person\s{1,2}nummer",
        ("personn", "person n"),
    ),
    Kind(
        "fr_nir",
        checks.nir,
        r"[1-478] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}",
        r"s[ée]curit[ée]\s{1,2}sociale|(?-i:NIR|INSEE)|num[ée]ro\s{1,2}de\s{1,2}s[ée]cu",
        ("curit", "écu", "secu"),
        ("NIR", "INSEE"),
        bare=r"[1-478] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}",
    ),
    Kind(
        "sg_nric",
        checks.nric,
        r"[STFGM]\d{7}[A-Z]",
        r"(?-i:NRIC|FIN)",
        (),
        ("NRIC", "FIN"),
        bare=r"[STFGM]\d{7}[A-Z]",
    ),
    Kind(
        "cn_resident_id",
        checks.china,
        r"\d{17}[\dXx]",
        r"身份证(?:号码?)?|resident\s{1,2}id(?:entity)?(?:\s{1,2}card)?",
        ("身份证", "resident"),
        bare=r"\d{17}[\dXx]",
    ),
    Kind(
        "be_national_number",
        checks.be_national,
        r"\d{2}\.?\d{2}\.?\d{2}[-. ]?\d{3}\.?\d{2}",
        r"rijksregisternummer|num[ée]ro\s{1,2}national|registre\s{1,2}national|national\s{1,2}number|(?-i:INSZ|NISS)",
        ("rijksregister", "national"),
        ("INSZ", "NISS"),
        bare=r"\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}",
        bare_needs=".-",
    ),
    Kind(
        "pt_nif",
        checks.pt_nif,
        r"\d{3} ?\d{3} ?\d{3}",
        r"(?-i:NIF|NIPC)|contribuinte",
        ("contribuinte",),
        ("NIF", "NIPC"),
    ),
    Kind(
        "no_fodselsnummer",
        checks.no_fnr,
        r"\d{6} ?\d{5}",
        r"f[øo]dselsnummer|f[øo]dselsnr\.?|personnummer|f\.\s?nr\.?",
        ("dselsn", "personnummer", "f.nr", "f. nr"),
    ),
    Kind(
        "fi_hetu",
        checks.hetu,
        r"\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]",
        r"henkil[öo]tunnus|(?-i:HETU)|personbeteckning",
        ("henkil", "hetu", "personbeteckning"),
        bare=r"\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]",
    ),
    Kind(
        "za_id",
        checks.za_id,
        r"\d{13}",
        r"(?:(?-i:SA|RSA)|south\s{1,2}african)\s{1,2}id(?:\s{1,2}(?:number|no\.?))?|id\s{1,2}(?:number|no\.?)",
        ("id n", "sa id", "african"),
    ),
    Kind(
        "tr_tc_kimlik",
        checks.tc_kimlik,
        r"\d{11}",
        r"(?:t\.?c\.?\s{1,2})?kimlik(?:\s{1,2}(?:no|numaras[ıi]))?|(?-i:TCKN)",
        ("kimlik",),
        ("TCKN",),
    ),
    Kind(
        "il_teudat_zehut",
        checks.il_id,
        r"\d{8,9}",
        r"teudat\s{1,2}zehut|ת\.?ז\.?|תעודת\s{1,2}זהות|israeli\s{1,2}id",
        ("teudat", "ת", "israeli"),
    ),
    Kind(
        "kr_rrn",
        checks.kr_rrn,
        r"\d{6}-?[1-8]\d{6}",
        r"주민등록번호|resident\s{1,2}registration\s{1,2}number|(?-i:RRN)",
        ("주민등록번호", "resident registration"),
        ("RRN",),
        bare=r"\d{6}-[1-8]\d{6}",
        bare_needs="-",
    ),
    Kind(
        "it_codice_fiscale",
        checks.it_fiscal,
        r"[A-Z]{6}\d{2}[A-EHLMPRST]\d{2}[A-Z]\d{3}[A-Z]",
        r"codice\s{1,2}fiscale|(?-i:CF)",
        ("codice fiscale",),
        ("CF",),
        bare=r"[A-Z]{6}\d{2}[A-EHLMPRST]\d{2}[A-Z]\d{3}[A-Z]",
    ),
    Kind(
        "us_itin",
        checks.itin,
        r"9\d{2}[- ]?\d{2}[- ]?\d{4}",
        r"(?-i:ITIN)|individual\s{1,2}taxpayer\s{1,2}identification\s{1,2}number",
        ("individual taxpayer",),
        ("ITIN",),
        bare=r"9\d{2}-\d{2}-\d{4}",
        bare_needs="-",
    ),
    Kind(
        "ar_cuil",
        mod11.cuil,
        r"\d{2}-?\d{8}-?\d",
        r"(?-i:CUIL|CUIT)|cuil|cuit",
        ("cuil", "cuit"),
        bare=r"(?:2[0347]|3[034])-\d{8}-\d",
        bare_needs="-",
    ),
    Kind(
        "cl_rut",
        mod11.rut,
        r"\d{1,2}\.?\d{3}\.?\d{3}-[\dkK]",
        r"(?-i:RUT|RUN)|rut",
        ("rut",),
        ("RUN",),
        bare=r"\d{1,2}\.\d{3}\.\d{3}-[\dkK]",
        bare_needs=".-",
    ),
    Kind(
        "jp_my_number",
        mod11.my_number,
        r"\d{4} ?\d{4} ?\d{4}",
        r"マイナンバー|個人番号|my\s{1,2}number",
        ("マイナンバー", "個人番号", "my number"),
    ),
    Kind(
        "ro_cnp",
        mod11.cnp,
        r"[1-8]\d{12}",
        r"(?-i:CNP)|cod\s{1,2}numeric\s{1,2}personal",
        ("numeric personal",),
        ("CNP",),
    ),
    Kind("hr_oib", mod11.oib, r"\d{11}", r"(?-i:OIB)", (), ("OIB",)),
    Kind(
        "cz_rodne_cislo",
        mod11.rodne_cislo,
        r"\d{6}/?\d{4}",
        r"rodn[ée]\s{1,2}[čc][íi]slo|(?-i:RČ|RC)",
        ("rodn",),
        ("RČ", "RC"),
        bare=r"\d{6}/\d{4}",
        bare_needs="/",
    ),
    Kind("gr_amka", mod11.amka, r"\d{11}", r"(?-i:ΑΜΚΑ|AMKA)|αμκα", ("αμκα", "amka"), ("ΑΜΚΑ", "AMKA")),
)
