"""Secrets that a provider's prefix, an Authorization scheme or an SDK constructor tells apart, and
the published values and ids that look like them.

Every value here is made up; none is a real credential.
"""

from __future__ import annotations

import pytest

from crewline.nodes.guards import detect_pii
from crewline.nodes.guards.secrets import find_secrets
from tests.support.scaling import assert_linear

R40 = "Zk3pQ8vLw2Xr9Tn4Hb7Yc1Md6Jf0Gs5Ea2Uq8Wy3"
HEX40 = "3f9a0c1d2e4b5a6978877665544332211a0b9c8d"


def _secrets(text: str) -> list[str]:
    return [span.value for span in detect_pii(text) if span.type == "SECRET"]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        # Authorization schemes other than Bearer and Basic
        (f'"Authorization": "SSWS 00{R40}"', f"00{R40}"),
        (f"authorization: Token {HEX40}", HEX40),
        (f"Authorization: ApiKey {R40}", R40),
        # keys passed to a client's constructor
        (f"client = acme_sdk.Client('{R40}')", R40),
        (f'const mail = new Mailer("{R40[:28]}");', R40[:28]),
        (f'gateway = PaymentClient(auth=("merchant_123", "{R40[:24]}"))', R40[:24]),
        # documented prefixes with hex or short random parts
        (f"BUILDKITE_TOKEN is bkua_{HEX40}", f"bkua_{HEX40}"),
        (f"sonar-scanner -Dsonar.token=sqp_{HEX40}", f"sqp_{HEX40}"),
        (f"key sk_{HEX40}{HEX40[:8]} returns 401", f"sk_{HEX40}{HEX40[:8]}"),
        (f"adafruit io: aio_{R40[:28]}", f"aio_{R40[:28]}"),
        (f"token: 1//0{R40}{R40}", f"1//0{R40}{R40}"),
        (f"pat 1/{'1' * 16}:{R40[:32]} for the bot", f"1/{'1' * 16}:{R40[:32]}"),
    ],
)
def test_secrets_by_scheme_constructor_and_prefix(text: str, secret: str) -> None:
    assert _secrets(text) == [secret]


@pytest.mark.parametrize(
    "text",
    [
        # published keys and ids of the same services
        f"posthog.init('phc_{R40}')",
        f"createClient(URL, 'sb_publishable_{R40[:31]}')",
        f"map.accessToken = 'pk.eyJ1IjoiYWNtZSJ9.{R40[:22]}'",
        f"client_id: {R40[:32]}",
        f'"VersionId": "{R40}{R40[:20]}"',
        f'{{"id": "msg_01{R40[:22]}", "role": "assistant"}}',
        f"[Peer]\nPublicKey = {R40}abc=",
        f'<div data-sitekey="6Le{R40[:37]}"></div>',
        f"nostr: npub1{'q' * 20}{R40.lower()[:38]}",
        # references and stand-ins
        'curl -H "Authorization: SSWS ${OKTA_TOKEN}" https://acme.okta.com',
        "Authorization: Token <your-token-here>",
        'client = Client("https://api.acme.io/v1/endpoint")',
        'flag = FeatureFlag("EnableNewCheckoutFlow2024")',
        'model = Model("gpt-4o-mini-2024-07-18")',
        # encoded text passed to a constructor: "Please confirm the shipping address for the order"
        'payload = Message("UGxlYXNlIGNvbmZpcm0gdGhlIHNoaXBwaW5nIGFkZHJlc3MgZm9yIHRoZSBvcmRlcg==")',
    ],
)
def test_published_values_ids_and_stand_ins_are_not_secrets(text: str) -> None:
    assert _secrets(text) == []


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"machine git.acme.io login ci password {R40[:24]}", R40[:24]),
        (f"# redis\nmasterauth {R40[:30]}", R40[:30]),
        (f"app.acme.io:5432:*:etl:{R40[:18]}#x", f"{R40[:18]}#x"),
        (f"wpa_psk={R40[:16]}!", f"{R40[:16]}!"),
        (f"curl -u {R40[:24]}:X https://acme.example/api", R40[:24]),
        (f"$ wandb login {HEX40}", HEX40),
        (f"sms = Client('AC42', '{HEX40[:32]}')", HEX40[:32]),
        (f"b2 authorize 0012ab K001{R40[:27]}", f"K001{R40[:27]}"),
        ("Private-Lines: 1\n" + R40 + "\nPrivate-MAC: 00", R40),
        ("acmectl auth 3f9a0c1d-2e4b-4a69-8887-766554433221", "3f9a0c1d-2e4b-4a69-8887-766554433221"),
        (f"acme config set private_api_key {R40[:30]}", R40[:30]),
    ],
)
def test_secrets_that_file_formats_place_by_keyword_or_position(text: str, secret: str) -> None:
    assert _secrets(text) == [secret]


@pytest.mark.parametrize(
    "text",
    [
        "machine api.acme.io login me@example.com password $ACME_TOKEN",
        "requirepass <choose-a-strong-password>",
        "# forgot my password again",
        f"h = Sha256Hash('{HEX40[:32]}')",
        "run `npm login` then publish",
    ],
)
def test_file_format_stand_ins_and_digests_are_not_secrets(text: str) -> None:
    assert _secrets(text) == []


def test_an_openvpn_static_key_is_a_secret_block() -> None:
    block = "-----BEGIN OpenVPN Static key V1-----\n" + HEX40 + "\n-----END OpenVPN Static key V1-----"
    assert _secrets(f"<tls-auth>\n{block}\n</tls-auth>") == [block]


def test_a_long_assigned_value_is_found_whole() -> None:
    # an AWS session token is 400 to 1,000 characters and more: the value was cut after 300
    token = "FwoGZXIvYXdzE" + R40 * 20
    assert _secrets(f"aws_session_token = {token}") == [token]


def test_organisation_and_project_ids_are_identifiers() -> None:
    assert _secrets(f'openai.organization = "org-{R40[:24]}"') == []
    assert _secrets(f"project = proj_{R40[:24]}") == []


def test_a_vault_accessor_is_a_reference_not_a_secret() -> None:
    # an accessor names a token for revocation and lookup; Vault documents it as not sensitive
    assert _secrets(f"accessor: {R40[:24]}") == []


def test_an_empty_setting_does_not_take_the_next_line_as_its_value() -> None:
    # the operator's spaces crossed the line break: "FASTLY_API_TOKEN=" was the first line's value
    assert _secrets("OKTA_API_TOKEN=\nFASTLY_API_TOKEN=\nCOHERE_API_KEY=") == []
    assert _secrets(f"OKTA_API_TOKEN=\nFASTLY_API_TOKEN={R40}") == [R40]


def test_a_secret_key_name_in_lower_case_words_is_not_its_value() -> None:
    # "access-token" names a key of a Kubernetes secret; its value lives in the cluster
    assert _secrets("secretKeyRef:\n  name: crm\n  key: access-token") == []


@pytest.mark.parametrize(
    "unit",
    [
        "Client(",
        "Config(Config(",
        "X('aaaaaaaaaaaaaaaaaaaa",
        "client((' ",
        "Authorization: SSWS ",
        "authorization=Token aaaa",
        "1//0a",
        "1/1234567890123456/",
        "api-",
        "https://a.webhook.office.com/webhookb2/",
        "machine password ",
        "-u aaaaaaaaaaaaaaaaaaaa:X ",
        "Private-Lines: 99\n",
        "a:1:b:c:d\n",
        "psk=",
    ],
)
def test_the_scheme_constructor_and_prefix_rules_are_linear(unit: str) -> None:
    assert_linear(lambda text: list(find_secrets(text)), unit)
