"""Country and region names (one word each, lowercase, and a few cities travellers name; not ones that are
also a US state or a first name, "georgia", "jordan"): a customer names where they go ("I'm going to
Italy"), articles say "abroad" or "outside the United States". :mod:`crewline.memory.knowledge.synonyms`
puts them in the group of "abroad", so a knowledge base that never names a country matches them by its
own word for travel; one that names a country keeps it as its own term. General geography, not any
benchmark's questions."""

from __future__ import annotations

__all__ = ["COUNTRIES"]

# whitespace-separated, as a synonym group is written

COUNTRIES = """
    afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan bahamas
    bahrain bangladesh barbados belarus belgium belize benin bhutan bolivia bosnia botswana brazil
    brunei bulgaria burundi cambodia cameroon canada chile china colombia congo croatia cuba
    cyprus czechia czech denmark djibouti dominica ecuador egypt eritrea estonia eswatini ethiopia fiji
    finland france gabon gambia germany ghana greece grenada guatemala guinea guyana haiti
    honduras hungary iceland india indonesia iran iraq ireland israel italy jamaica japan
    kazakhstan kenya kiribati kosovo kuwait kyrgyzstan laos latvia lebanon lesotho liberia libya
    liechtenstein lithuania luxembourg madagascar malawi malaysia maldives mali malta mauritania
    mauritius mexico micronesia moldova monaco mongolia montenegro morocco mozambique myanmar namibia
    nauru nepal netherlands holland nicaragua niger nigeria norway oman pakistan palau panama paraguay
    peru philippines poland portugal qatar romania russia rwanda samoa senegal serbia seychelles
    singapore slovakia slovenia somalia spain sudan suriname sweden switzerland syria taiwan
    tajikistan tanzania thailand togo tonga trinidad tunisia turkey turkmenistan tuvalu uganda ukraine
    uruguay uzbekistan vanuatu venezuela vietnam yemen zambia zimbabwe
    england scotland wales britain uk europe asia africa caribbean bali cancun paris london rome tokyo
"""
