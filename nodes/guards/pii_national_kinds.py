"""The national identity numbers :mod:`crewline.nodes.guards.pii_national` looks for: each one's
pattern, check, labels and, where its shape is its own, the bare shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crewline.nodes.guards import pii_national_checks as checks

__all__ = ["KINDS", "Kind"]


def _total(check: Callable[[str], bool]) -> Callable[[str], bool]:
    """``check`` over any string: False where it would raise. The patterns hand each check its own
    shape in ASCII digits, but a check is also called on values nothing shaped (a caller's, a fuzzer's),
    and a detector must never raise on a user's text (a non-ASCII digit once reached a digit table)."""

    def checked(value: str) -> bool:
        try:
            return check(value)
        except (ValueError, KeyError, IndexError):
            return False

    return checked


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
    # the check a bare match must pass, where it asks more than the labelled one (None: ``valid``)
    bare_valid: Callable[[str], bool] | None = None


KINDS = (
    Kind(
        "uk_nino",
        _total(checks.nino),
        r"[A-Z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]",
        r"national\s{1,2}insurance(?:\s{1,2}(?:number|no\.?|num\.?))?|(?-i:NI)\s{1,2}(?:number|no\.?)|(?-i:NINO)",
        ("insurance",),
        ("NI", "NINO"),
        bare=r"[A-Z]{2} [0-9]{2} [0-9]{2} [0-9]{2} [A-D]",
        bare_needs=" ",
    ),
    Kind(
        "ca_sin",
        _total(checks.sin),
        r"[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{3}",
        r"social\s{1,2}insurance(?:\s{1,2}number)?|(?-i:SIN|NAS)|num[ée]ro\s{1,2}d.assurance\s{1,2}sociale",
        ("insurance", "assurance"),
        ("SIN", "NAS"),
    ),
    Kind(
        "au_tfn",
        _total(checks.tfn),
        r"[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{3}",
        r"tax\s{1,2}file\s{1,2}(?:number|no\.?)|(?-i:TFN)",
        ("tax file",),
        ("TFN",),
    ),
    Kind(
        "nl_bsn",
        _total(checks.bsn),
        r"[0-9]{4}\.[0-9]{2}\.[0-9]{3}|[0-9]{3}[ .-]?[0-9]{3}[ .-]?[0-9]{3}|[0-9]{8}",
        r"bsn|burgerservicenummer|sofinummer|sofi-nummer",
        ("bsn", "burgerservice", "sofi"),
    ),
    Kind(
        "es_dni",
        _total(checks.dni),
        r"[XYZ]-?[0-9]{7}-?[A-Z]|[0-9]{8}-?[A-Z]",
        r"(?-i:DNI|NIE|NIF)|dni|nie",
        ("dni", "nie", "nif"),
        bare=r"[XYZ][0-9]{7}[A-Z]|[0-9]{8}-?[A-Z]",
    ),
    Kind(
        "in_aadhaar",
        _total(checks.aadhaar),
        r"[2-9][0-9]{3}[ -]?[0-9]{4}[ -]?[0-9]{4}",
        r"aadhaa?r|adhaar|aadhar|uidai|(?-i:UID)|आधार",
        ("aadha", "adhaar", "uidai", "आधार"),
        ("UID",),
    ),
    Kind(
        "br_cpf",
        _total(checks.cpf),
        r"[0-9]{3}\.?[0-9]{3}\.?[0-9]{3}-?[0-9]{2}",
        r"(?-i:CPF)|cpf",
        ("cpf",),
        bare=r"[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}",
        bare_needs=".-",
    ),
    Kind("pl_pesel", _total(checks.pesel), r"[0-9]{11}", r"pesel", ("pesel",)),
    Kind(
        "se_personnummer",
        _total(checks.personnummer),
        r"(?:19|20)?[0-9]{6}[-+]?[0-9]{4}",
        r"personnummer|personnr\.?|person\s{1,2}nummer",
        ("personn", "person n"),
    ),
    Kind(
        "fr_nir",
        _total(checks.nir),
        r"[1-478] ?[0-9]{2} ?[0-9]{2} ?(?:[0-9]{2}|2[AB]) ?[0-9]{3} ?[0-9]{3} ?[0-9]{2}",
        r"s[ée]curit[ée]\s{1,2}sociale|(?-i:NIR|INSEE)|num[ée]ro\s{1,2}de\s{1,2}s[ée]cu",
        ("curit", "écu", "secu"),
        ("NIR", "INSEE"),
        bare=r"[1-478] ?[0-9]{2} ?[0-9]{2} ?(?:[0-9]{2}|2[AB]) ?[0-9]{3} ?[0-9]{3} ?[0-9]{2}",
        bare_valid=_total(checks.nir_bare),
    ),
    Kind(
        "sg_nric",
        _total(checks.nric),
        r"[STFGM][0-9]{7}[A-Z]",
        r"(?-i:NRIC|FIN)",
        (),
        ("NRIC", "FIN"),
        bare=r"[STFGM][0-9]{7}[A-Z]",
    ),
    Kind(
        "cn_resident_id",
        _total(checks.china),
        r"[0-9]{17}[0-9Xx]",
        r"身份证(?:号码?)?|resident\s{1,2}id(?:entity)?(?:\s{1,2}card)?",
        ("身份证", "resident"),
        bare=r"[0-9]{17}[0-9Xx]",
    ),
    Kind(
        "be_national_number",
        _total(checks.be_national),
        r"[0-9]{2}\.?[0-9]{2}\.?[0-9]{2}[-. ]?[0-9]{3}\.?[0-9]{2}",
        r"rijksregisternummer|num[ée]ro\s{1,2}national|registre\s{1,2}national|national\s{1,2}number|(?-i:INSZ|NISS)",
        ("rijksregister", "national"),
        ("INSZ", "NISS"),
        bare=r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}-[0-9]{3}\.[0-9]{2}",
        bare_needs=".-",
    ),
    Kind(
        "pt_nif",
        _total(checks.pt_nif),
        r"[0-9]{3} ?[0-9]{3} ?[0-9]{3}",
        r"(?-i:NIF|NIPC)|contribuinte",
        ("contribuinte",),
        ("NIF", "NIPC"),
    ),
    Kind(
        "no_fodselsnummer",
        _total(checks.no_fnr),
        r"[0-9]{6} ?[0-9]{5}",
        r"f[øo]dselsnummer|f[øo]dselsnr\.?|personnummer|f\.\s?nr\.?",
        ("dselsn", "personnummer", "f.nr", "f. nr"),
    ),
    Kind(
        "fi_hetu",
        _total(checks.hetu),
        r"[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]",
        r"henkil[öo]tunnus|(?-i:HETU)|personbeteckning",
        ("henkil", "hetu", "personbeteckning"),
        bare=r"[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]",
    ),
    Kind(
        "za_id",
        _total(checks.za_id),
        r"[0-9]{13}",
        r"(?:(?-i:SA|RSA)|south\s{1,2}african)\s{1,2}id(?:\s{1,2}(?:number|no\.?))?|id\s{1,2}(?:number|no\.?)",
        ("id n", "sa id", "african"),
    ),
    Kind(
        "tr_tc_kimlik",
        _total(checks.tc_kimlik),
        r"[0-9]{11}",
        r"(?:t\.?c\.?\s{1,2})?kimlik(?:\s{1,2}(?:no|numaras[ıi]))?|(?-i:TCKN)",
        ("kimlik",),
        ("TCKN",),
    ),
    Kind(
        "il_teudat_zehut",
        _total(checks.il_id),
        r"[0-9]{8,9}",
        r"teudat\s{1,2}zehut|ת\.?ז\.?|תעודת\s{1,2}זהות|israeli\s{1,2}id",
        ("teudat", "ת", "israeli"),
    ),
    Kind(
        "kr_rrn",
        _total(checks.kr_rrn),
        r"[0-9]{6}-?[1-8][0-9]{6}",
        r"주민등록번호|resident\s{1,2}registration\s{1,2}number|(?-i:RRN)",
        ("주민등록번호", "resident registration"),
        ("RRN",),
        bare=r"[0-9]{6}-[1-8][0-9]{6}",
        bare_needs="-",
    ),
    Kind(
        "it_codice_fiscale",
        _total(checks.it_fiscal),
        r"[A-Z]{6}[0-9]{2}[A-EHLMPRST][0-9]{2}[A-Z][0-9]{3}[A-Z]",
        r"codice\s{1,2}fiscale|(?-i:CF)",
        ("codice fiscale",),
        ("CF",),
        bare=r"[A-Z]{6}[0-9]{2}[A-EHLMPRST][0-9]{2}[A-Z][0-9]{3}[A-Z]",
    ),
    Kind(
        "us_itin",
        _total(checks.itin),
        r"9[0-9]{2}[- ]?[0-9]{2}[- ]?[0-9]{4}",
        r"(?-i:ITIN)|individual\s{1,2}taxpayer\s{1,2}identification\s{1,2}number",
        ("individual taxpayer",),
        ("ITIN",),
        bare=r"9[0-9]{2}-[0-9]{2}-[0-9]{4}",
        bare_needs="-",
    ),
    Kind(
        "ar_cuil",
        _total(checks.cuil),
        r"[0-9]{2}-?[0-9]{8}-?[0-9]",
        r"(?-i:CUIL|CUIT)|cuil|cuit",
        ("cuil", "cuit"),
        bare=r"(?:2[0347]|3[034])-[0-9]{8}-[0-9]",
        bare_needs="-",
    ),
    Kind(
        "cl_rut",
        _total(checks.rut),
        r"[0-9]{1,2}\.?[0-9]{3}\.?[0-9]{3}-[0-9kK]",
        r"(?-i:RUT|RUN)|rut",
        ("rut",),
        ("RUN",),
        bare=r"[0-9]{1,2}\.[0-9]{3}\.[0-9]{3}-[0-9kK]",
        bare_needs=".-",
    ),
    Kind(
        "jp_my_number",
        _total(checks.my_number),
        r"[0-9]{4} ?[0-9]{4} ?[0-9]{4}",
        r"マイナンバー|個人番号|(?-i:My\s{1,2}Number)",
        ("マイナンバー", "個人番号", "my number"),
    ),
    Kind(
        "ro_cnp",
        _total(checks.cnp),
        r"[1-8][0-9]{12}",
        r"(?-i:CNP)|cod\s{1,2}numeric\s{1,2}personal",
        ("numeric personal",),
        ("CNP",),
    ),
    Kind("hr_oib", _total(checks.oib), r"[0-9]{11}", r"(?-i:OIB)", (), ("OIB",)),
    Kind(
        "cz_rodne_cislo",
        _total(checks.rodne_cislo),
        r"[0-9]{6}/?[0-9]{4}",
        r"rodn[ée]\s{1,2}[čc][íi]slo|(?-i:RČ|RC)",
        ("rodn",),
        ("RČ", "RC"),
        bare=r"[0-9]{6}/[0-9]{4}",
        bare_needs="/",
        bare_valid=_total(checks.rodne_cislo_bare),
    ),
    Kind(
        "gr_amka",
        _total(checks.amka),
        r"[0-9]{11}",
        r"(?-i:ΑΜΚΑ|AMKA)|αμκα",
        ("αμκα", "amka"),
        ("ΑΜΚΑ", "AMKA"),
    ),
)
