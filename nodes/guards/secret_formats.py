"""Vendor credential formats: each provider's documented prefix, alphabet and length.

The shapes are the ones the providers publish and secret scanners (GitHub secret scanning, gitleaks,
detect-secrets, trufflehog) match: a distinctive prefix is the validation, so no entropy floor is
asked of these. Each format names literals one of which every token of the kind contains; a pattern
runs only when one is in the text. Every quantifier is bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crewline.nodes.guards.lazy_patterns import compiled

__all__ = ["VENDOR_FORMATS", "VendorFormat"]


@dataclass(frozen=True)
class VendorFormat:
    name: str
    source: str  # the pattern, compiled the first time a text holds one of the needles (:attr:`pattern`)
    needles: tuple[str, ...]
    group: int = 0  # the group holding the secret
    # The fewest characters a match spans, none of them white space (0: not known, or a match may
    # hold spaces). Set where the needles are common in prose ("." , "gl", "pat"): a text whose
    # longest word is shorter skips the pattern (``find_secrets`` measures the words once).
    min_run: int = 0
    # bits per character the secret must carry, where the format's prefix is short and its body any
    # letters (0: none asked): "4b1d" and 38 of one letter is a test string, not a ClickHouse key
    min_entropy: float = 0.0

    @property
    def pattern(self) -> re.Pattern[str]:
        # compiled on first use: most processes meet a few vendors' needles, and compiling all
        # forty formats cost every process that builds a crew some 3 ms
        return compiled(self.source)


def _f(
    name: str,
    pattern: str,
    needles: tuple[str, ...],
    group: int = 0,
    min_run: int = 0,
    min_entropy: float = 0.0,
) -> VendorFormat:
    return VendorFormat(name, pattern, needles, group, min_run, min_entropy)


# a legacy Azure DevOps PAT: 52 characters of lower-case base32 with a digit among them
_AZDO_LEGACY = r"(?<![A-Za-z0-9])(?=[a-z]{0,51}[2-7])([a-z2-7]{52})(?![A-Za-z0-9])"
# what names Azure DevOps on the token's line: its hosts, "DevOps", "AZDO", or a "PAT" (in capitals,
# as a word: not "PATH"); "azure" alone names any Azure service, whose digests and ids share the shape
_AZDO_NAMED = r"(?:(?i:dev\.azure\.com|visualstudio\.com|devops|azdo)|(?<![A-Za-z])PATs?(?![A-Za-z]))"
_AZDO_NEEDLES = (
    "devops",
    "DevOps",
    "Devops",
    "DEVOPS",
    "dev.azure.com",
    "visualstudio",
    "azdo",
    "AZDO",
    "PAT",
)

_AWS_PREFIXES = ("A3T", "AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA")

VENDOR_FORMATS: tuple[VendorFormat, ...] = (
    _f("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]{8,})?", ("eyJ",)),
    _f(
        "aws_access_key_id",
        r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b",
        _AWS_PREFIXES,
    ),
    _f(
        "aws_secret_access_key",
        r"(?i)\baws_?(?:secret)?_?(?:access)?_?key\w{0,10}\W{1,4}([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
        ("aws", "AWS", "Aws"),
        1,
    ),
    _f(
        "github_token",
        r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b|\bgithub_pat_[A-Za-z0-9_]{60,255}\b",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _f(
        "gitlab_token",
        r"\bgl(?:pat|dt|ptt|rt|agent|oas|soat|cbt|imt|ft|ffct|cr|rt)-[A-Za-z0-9_-]{16,255}",
        ("gl",),
        min_run=21,  # "gl" + "dt" + "-" + 16
    ),
    _f("slack_token", r"\bxox[abposre]-(?:[A-Za-z0-9]{1,40}-){1,6}[A-Za-z0-9]{4,64}\b", ("xox",)),
    _f("slack_app_token", r"\bxapp-\d-[A-Z0-9]{9,12}-\d{10,14}-[a-f0-9]{64}\b", ("xapp-",)),
    _f(
        "slack_webhook",
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Za-z0-9_]{4,20}/[A-Za-z0-9_]{4,20}"
        r"/[A-Za-z0-9_]{8,40}",
        ("hooks.slack.com",),
    ),
    _f(
        "discord_webhook",
        r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/[A-Za-z0-9_-]{60,80}",
        ("/api/webhooks/",),
    ),
    # publishable keys (pk_) are made to be published: only secret and restricted keys
    _f("stripe_key", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}\b", ("_live_", "_test_")),
    _f("stripe_webhook_secret", r"\bwhsec_[A-Za-z0-9+/]{32,64}\b", ("whsec_",)),
    _f("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])", ("AIza",)),
    _f("google_oauth_secret", r"\bGOCSPX-[A-Za-z0-9_-]{28}(?![A-Za-z0-9_-])", ("GOCSPX-",)),
    _f(
        "azure_ad_client_secret",
        r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
        ("Q~",),
    ),
    _f("azure_storage_key", r"AccountKey=([A-Za-z0-9+/]{86}==|[A-Za-z0-9+/=]{60,100})", ("AccountKey=",), 1),
    _f("azure_sas_signature", r"[?&]sig=([A-Za-z0-9%+/]{40,100}(?:%3D|=){0,2})", ("sig=",), 1),
    _f("anthropic_key", r"\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,120}", ("sk-ant-",)),
    _f("openai_key", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,200}\b", ("sk-",)),
    # an API key's SID (SK...); an account SID (AC...) names the account, like a user name
    _f("twilio_key", r"\bSK[0-9a-zA-Z]{32}\b", ("SK",), min_run=34),
    _f(
        "discord_bot_token",
        r"\b[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}",
        (".",),
        min_run=59,  # 1 + 23 + "." + 6 + "." + 27
    ),
    _f("sendgrid_key", r"\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}", ("SG.",)),
    _f("mailchimp_key", r"\b[0-9a-f]{32}-us[0-9]{1,2}\b", ("-us",)),
    _f("mailgun_key", r"\bkey-[0-9a-f]{32}\b", ("key-",)),
    _f("npm_token", r"\bnpm_[A-Za-z0-9]{36}\b", ("npm_",)),
    _f("pypi_token", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000}", ("pypi-AgEIcHlwaS5vcmc",)),
    _f("huggingface_token", r"\b(?:hf_|api_org_)[A-Za-z]{34}\b", ("hf_", "api_org_")),
    _f("shopify_token", r"\bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b", ("shp",)),
    _f("digitalocean_token", r"\bdo[por]_v1_[a-f0-9]{64}\b", ("_v1_",)),
    _f("databricks_token", r"\bdapi[a-f0-9]{32}(?:-\d)?\b", ("dapi",)),
    _f("vault_token", r"\bhv[sbr]\.[A-Za-z0-9_-]{24,300}", ("hvs.", "hvb.", "hvr.")),
    _f("postman_key", r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b", ("PMAK-",)),
    # bare, or in the Bot API's URLs ("https://api.telegram.org/bot<token>/sendMessage")
    _f("telegram_bot_token", r"(?:\b|(?<=/bot))\d{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])", (":AA",)),
    _f(
        "grafana_token",
        r"\b(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[a-f0-9]{8})",
        ("glc_", "glsa_"),
    ),
    _f("linear_key", r"\blin_api_[A-Za-z0-9]{40}\b", ("lin_api_",)),
    _f("notion_token", r"\b(?:secret_[A-Za-z0-9]{43}|ntn_[A-Za-z0-9]{46})\b", ("secret_", "ntn_")),
    _f("doppler_token", r"\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}\b", ("dp.",)),
    _f(
        "age_secret_key", r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b", ("AGE-SECRET-KEY-1",)
    ),
    _f("bearer_token", r"\b[Bb]earer\s([A-Za-z0-9._~+/-]{20,500}=*)", ("earer",), 1),
    # Formats of services whose tokens carry a documented prefix (as gitleaks' rules publish them)
    _f("pulumi_token", r"\bpul-[a-f0-9]{40}\b", ("pul-",)),
    _f("rubygems_key", r"\brubygems_[a-f0-9]{48}\b", ("rubygems_",)),
    _f("dropbox_token", r"\bsl\.(?:u\.)?[A-Za-z0-9_=-]{130,1400}", ("sl.",)),
    _f(
        "flyio_token",
        r"\b(?:fo1_[A-Za-z0-9_-]{43}|fm1[ar]_[A-Za-z0-9+/]{100,2000}={0,3}|fm2_[A-Za-z0-9+/]{100,2000}={0,3})",
        ("fo1_", "fm1", "fm2_"),
    ),
    _f("airtable_pat", r"\bpat[A-Za-z0-9]{14}\.[a-f0-9]{64}\b", ("pat",), min_run=82),
    _f("terraform_token", r"\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}", (".atlasv1.",)),
    _f("atlassian_token", r"\bATATT3[A-Za-z0-9_=-]{150,250}", ("ATATT3",)),
    _f("heroku_token", r"\bHRKU-AA[A-Za-z0-9_-]{58}", ("HRKU-",)),
    _f("sentry_token", r"\bsntry[us]_[A-Za-z0-9+/=_-]{64,400}", ("sntry",)),
    _f("newrelic_key", r"\bNR(?:AK|II|RA)-[A-Z0-9]{27}\b", ("NRAK-", "NRII-", "NRRA-")),
    _f("docker_pat", r"\bdckr_(?:pat|oat)_[A-Za-z0-9_-]{27,40}", ("dckr_",)),
    _f("planetscale_token", r"\bpscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.=-]{32,64}", ("pscale_",)),
    _f("shippo_token", r"\bshippo_(?:live|test)_[a-f0-9]{40}\b", ("shippo_",)),
    _f("square_token", r"\b(?:EAAA|sq0atp-)[A-Za-z0-9_-]{22,60}|\bsq0csp-[A-Za-z0-9_-]{43}", ("EAAA", "sq0")),
    _f("contentful_pat", r"\bCFPAT-[A-Za-z0-9_-]{43}", ("CFPAT-",)),
    _f("onepassword_token", r"\bops_eyJ[A-Za-z0-9+/=]{100,2000}", ("ops_eyJ",)),
    _f("prefect_key", r"\bpnu_[A-Za-z0-9]{36}\b", ("pnu_",)),
    _f("readme_key", r"\brdme_[A-Za-z0-9]{70}\b", ("rdme_",)),
    _f("dynatrace_token", r"\bdt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}\b", ("dt0c01.",)),
    _f("easypost_key", r"\bEZ[AT]K[A-Za-z0-9]{54}\b", ("EZAK", "EZTK")),
    _f("duffel_token", r"\bduffel_(?:test|live)_[A-Za-z0-9_=-]{43}", ("duffel_",)),
    _f("frameio_token", r"\bfio-u-[A-Za-z0-9_=-]{64}", ("fio-u-",)),
    _f("typeform_token", r"\btfp_[A-Za-z0-9_.=-]{59}", ("tfp_",)),
    _f("groq_key", r"\bgsk_[A-Za-z0-9]{52}\b", ("gsk_",)),
    _f("replicate_token", r"\br8_[A-Za-z0-9]{37}\b", ("r8_",)),
    _f("perplexity_key", r"\bpplx-[A-Za-z0-9]{48}\b", ("pplx-",)),
    _f("xai_key", r"\bxai-[A-Za-z0-9]{80}\b", ("xai-",)),
    _f("langsmith_key", r"\blsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}\b", ("lsv2_",)),
    _f("supabase_token", r"\bsbp_[a-f0-9]{40}\b", ("sbp_",)),
    _f("mapbox_secret_token", r"\bsk\.eyJ[A-Za-z0-9_-]{50,400}\.[A-Za-z0-9_-]{20,100}", ("sk.eyJ",)),
    _f("astra_token", r"\bAstraCS:[A-Za-z]{24}:[a-f0-9]{64}\b", ("AstraCS:",)),
    _f("cloudflare_origin_ca_key", r"\bv1\.0-[a-f0-9]{24}-[a-f0-9]{146}\b", ("v1.0-",)),
    # Formats whose random part is hex or short, which the prefixed-token rule leaves alone (digests
    # and ids look the same): the provider's prefix is what tells them apart (gitleaks' and
    # trufflehog's rules, GitHub secret scanning's patterns).
    _f("buildkite_token", r"\bbkua_[a-f0-9]{40}\b", ("bkua_",)),
    _f("sonarqube_token", r"\bsq[pua]_[a-f0-9]{40}\b", ("sqp_", "squ_", "sqa_")),
    _f(
        "flutterwave_key",
        r"\bFLW(?:SECK|PUBK)(?:_TEST)?-[a-h0-9]{32}-X\b|\bFLWSECK_TEST[a-h0-9]{12}\b",
        ("FLW",),
    ),
    _f("elevenlabs_key", r"\bsk_[a-f0-9]{48}\b", ("sk_",)),
    _f("clojars_token", r"\bCLOJARS_[a-z0-9]{60}\b", ("CLOJARS_",)),
    _f("bitbucket_app_password", r"\bATBB[A-Za-z0-9_=.-]{28,40}\b", ("ATBB",)),
    _f("alibaba_access_key_id", r"\bLTAI[A-Za-z0-9]{12,20}\b", ("LTAI",)),
    _f("tencent_secret_id", r"\bAKID[A-Za-z0-9]{13,40}\b", ("AKID",)),
    _f(
        "yandex_api_key",
        r"\bAQVN[A-Za-z0-9_-]{35,38}(?![A-Za-z0-9_-])|\by[0-3]_[A-Za-z0-9_-]{55}",
        ("AQVN", "y0_", "y1_", "y2_", "y3_"),
    ),
    _f("adafruit_key", r"\baio_[A-Za-z0-9]{28}\b", ("aio_",)),
    _f("fireworks_key", r"\bfw_[A-Za-z0-9]{24}\b", ("fw_",)),
    _f(
        "harness_token",
        r"\b(?:pat|sat)\.[A-Za-z0-9_-]{22}\.[a-f0-9]{24}\.[A-Za-z0-9]{20}\b",
        ("pat.", "sat."),
    ),
    _f(
        "teams_webhook",
        r"https://[a-z0-9-]{1,60}\.webhook\.office\.com/webhookb2/[a-f0-9-]{36}@[a-f0-9-]{36}/IncomingWebhook/"
        r"[a-f0-9]{32}/[a-f0-9-]{36}(?:/[A-Za-z0-9_-]{20,80})?",
        ("webhook.office.com",),
    ),
    _f("asana_pat", r"(?<![\d/])[0-9]/[0-9]{16}(?:/[0-9]{16})?:[A-Za-z0-9]{32}\b", ("/",), min_run=51),
    _f("google_oauth_access_token", r"\bya29\.[A-Za-z0-9_-]{30,2000}", ("ya29.",)),
    _f("google_oauth_refresh_token", r"(?<![\w/])1//0[A-Za-z0-9_-]{40,500}", ("1//0",)),
    _f("backblaze_application_key", r"\bK00[0-9][A-Za-z0-9]{27}\b", ("K00",)),
    # Azure DevOps personal access tokens: the 84-character ones carry Microsoft's "JQQJ99" key
    # signature and the "AZDO" provider signature; the older ones are 52 characters of lower-case
    # base32, a shape other ids share (a sha256 in base32), so one counts only on a line that names
    # Azure DevOps, before or after it ("echo <pat> | az devops login")
    _f("azure_devops_pat", r"\b[A-Za-z0-9]{52}JQQJ99[A-Za-z0-9]{18}AZDO[A-Za-z0-9]{4}\b", ("AZDO",)),
    _f(
        "azure_devops_pat",
        _AZDO_NAMED + r"[^\n]{0,100}?" + _AZDO_LEGACY,
        _AZDO_NEEDLES,
        1,  # the match holds the words before the token: no length gate
    ),
    _f(
        "azure_devops_pat",
        _AZDO_LEGACY + r"(?=[^\n]{0,100}?" + _AZDO_NAMED + ")",
        _AZDO_NEEDLES,
        1,
        min_run=52,
    ),
    # ClickHouse Cloud API secrets: "4b1d" and 38 letters and digits (a 40-hex commit hash is shorter),
    # random ones: a letter past "f" among them (38 random characters of 62 all hex: never; a hex
    # digest of 42: always), and some 5 bits a character ("4b1d" + 38 "a"s carry none)
    _f(
        "clickhouse_cloud_secret",
        r"\b4b1d(?=[0-9a-f]{0,37}[g-zA-Z])[A-Za-z0-9]{38}\b",
        ("4b1d",),
        min_entropy=3.5,
    ),
    # Defined Networking (Nebula) enrollment and API keys
    _f(
        "defined_networking_key",
        r"\bdnkey-[A-Za-z0-9=_-]{26}-[A-Za-z0-9=_-]{52}(?![A-Za-z0-9=_-])",
        ("dnkey-",),
    ),
    # Sidekiq Pro/Enterprise credentials, "user:password" of eight hex digits each, given to Bundler
    # for the gem server ("bundle config enterprise.contribsys.com <v>", BUNDLE_ENTERPRISE__CONTRIBSYS__COM)
    _f(
        "sidekiq_credentials",
        r"(?i:(?:enterprise|gems)(?:\.|__)contribsys(?:\.|__)com)[\"']?[ \t]{0,3}[:= \t][ \t]{0,3}[\"']?"
        r"([a-f0-9]{8}:[a-f0-9]{8})\b",
        ("contribsys", "CONTRIBSYS"),
        1,
    ),
    _f(
        "launchdarkly_key",
        r"\b(?:api|sdk)-[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}\b",
        ("api-", "sdk-"),
    ),
)
