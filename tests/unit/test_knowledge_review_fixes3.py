"""The knowledge review's regressions (R1-R8) on knowledge bases other than a bank's: a vet clinic, a city
transit operator, an airline, a SaaS product, a travel insurer. Everyday phrasal verbs are read as the
articles' words only in the sense they have there ("put down" money is a deposit, a pet put down is
not), and a heading word the asker uses as context ("at security", "at night") does not lower a right
answer's confidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crewline.graphs.knowledge import build_knowledge_graph
from crewline.memory.knowledge.embeddings import make_embedder
from crewline.memory.knowledge.index import KnowledgeBase
from crewline.memory.knowledge.phrasal import rewritten
from crewline.memory.knowledge.vocabulary import ENGLISH, using_vocabulary
from crewline.tools.knowledge import kb_dir, open_named

VET = {
    "boarding.md": """# Boarding and payments

## Boarding

We board cats and small dogs for $40 a night. A deposit of $50 secures a booking and is
taken off the final bill. Your pet must be vaccinated in the last 12 months.

## Payment plans

For bills over $500 you can pay in 4 monthly parts with no interest. A late payment adds a
$20 fee.

## Pet insurance

We can send your claim straight to most insurers. You pay the excess and we bill the
insurer for the rest.

## Opening hours

The clinic opens 8am to 7pm Monday to Friday and 9am to 1pm on Saturday.
""",
    "care.md": """# Care at Willow Vets

## Appointments

Book a consultation online or by phone. A standard consultation costs $65 and lasts 15
minutes. Cancel at least 24 hours before to avoid a $30 missed appointment fee.

## Vaccinations

Puppies and kittens need their first vaccinations at 8 weeks and a booster at 12 weeks.
Adult dogs and cats need a booster every year. A vaccination costs $55.

## Dental care

We clean pets' teeth under general anaesthetic. A dental clean starts at $350, including
the anaesthetic and one night of care.

## Saying goodbye

When a pet is very ill or in pain, we can help you decide when it is time. Euthanasia costs
$180 and can be done at the clinic or at your home for an extra $120. We can arrange a
cremation and return the ashes in about 2 weeks.

## Emergencies

Outside opening hours, call the Animal Emergency Centre on 555 0142. The emergency fee is
$150 before any treatment.
""",
}

TRANSIT = {
    "fares.md": """# Fares

## Single fares

A single adult fare is $2.50 with a GoCard and $3.00 in cash. Drivers do not give change.

## Daily cap

With a GoCard you never pay more than $7 a day. Once your fares reach the cap, the rest of
your journeys that day are free.

## Concessions

Students, seniors and people with a disability card pay half fare. Children under 5 travel
free with a paying adult.

## GoCard

A GoCard costs a $5 deposit, which is refunded when you hand the card back. Add money to
it online, at a machine in any station or in the app.

## Penalty fares

Travelling without a valid ticket costs a $100 penalty fare. We waive the penalty if you show
within 14 days that you had a valid pass on the day.

## Refunds

If your journey is delayed by more than 30 minutes, you can claim a travel credit for the
full fare. Travel credit is added to your GoCard within 5 days.
""",
    "riding.md": """# Riding with us

## Request stops

After 9pm, you can ask the driver to drop you off anywhere along the route where it is safe
to stop. Tell the driver at least one stop before.

## Bikes

Folding bikes can go on any bus. Other bikes can go on the front rack, which holds two
bikes, or on trains outside the morning and evening rush hours.

## Pets

Small pets in a closed carrier travel free. Assistance dogs can always travel. Other dogs
can travel on trains but not on buses.

## Lost property

Items left on buses and trains are kept at the Central Station office for 30 days. Call
the office or fill in the online form; describe the item and when you lost it.

## Night buses

Night buses run every 30 minutes from midnight to 5am on Friday and Saturday. Late running
buses are shown live in the app.

## Stations

Lifts at every station go to all platforms. If a lift is out of order, staff will arrange a
taxi to the next station with a working lift, free of charge.
""",
}

AIRLINE = {
    "airport.md": """# At the airport

## Check-in

Online check-in opens 24 hours before departure and closes 60 minutes before. Airport
counters close 45 minutes before departure for domestic flights and 60 minutes for
international flights. You must complete check-in before you can drop your bags.

## Security

Liquids in your carry-on must be in containers of 100 ml or less, inside one clear bag of
up to 1 litre. Allow at least 30 minutes to clear security at the main terminal.

## Boarding

Boarding starts 40 minutes before departure and the gate closes 15 minutes before. Families
with small children board first. Passengers who arrive late at the gate cannot board.

## Lounges

Business passengers and Gold members can use our lounges. Other passengers can buy a pass
for $45 at the lounge door.
""",
    "bags.md": """# Baggage

## Carry-on bags

Every passenger can bring one carry-on bag up to 10 kg and one small personal item, such as
a handbag or a laptop bag, that fits under the seat in front.

## Checked bags

Economy fares include one checked bag up to 23 kg. Business fares include two checked bags
up to 32 kg each. Extra bags cost $60 each when added online and $90 at the airport.

## Overweight bags

A bag between 23 kg and 32 kg costs $75 extra. We do not accept bags over 32 kg; repack or
send them as cargo.

## Sports equipment

A set of golf clubs or a pair of skis counts as one checked bag. Bicycles must be boxed and
cost $50 each way.

## Delayed bags

If your bag does not arrive with you, report it at the baggage desk before you leave the
airport, or call the baggage line on 0800 555 0199. We deliver delayed bags to your address,
and you can claim up to $50 a day for essentials for up to 5 days.

## Lost bags

A bag that has not been found after 21 days is declared lost. Claim its contents through
the online form; we pay up to $1,500 per passenger.
""",
    "changes.md": """# Changes and disruptions

## Changing a flight

Flex fares can be changed for free up to 2 hours before departure. Saver fares pay a change
fee of $70 plus any difference in fare.

## Missed flights

If you miss your flight on a Saver fare, the fare is forfeited and taxes are refunded on
request. Flex fares can be moved to the next available flight at no cost.

## Cancellations

If we cancel your flight, you can choose a full refund or a free rebooking. Refunds reach
your original payment method within 7 business days.

## Hotels

When a cancellation or a delay leaves you stranded overnight, we book and pay for a room and
transport to it. Keep your receipts for meals; we refund up to $30 per meal.

## Cancelling a booking

Saver fares cannot be refunded. Flex fares are refunded minus a $50 fee if you cancel at least
24 hours before departure. Cancel within 24 hours of booking and you get all your money back.
""",
    "loyalty.md": """# SkyPoints

## Earning points

Members earn 5 points for every dollar of fare. Taxes and fees do not earn points.

## Using points

Points can pay for flights, seat upgrades and extra bags. 1,000 points are worth $10.

## Expiry

Points expire after 24 months without any activity on your account. Any flight or purchase
resets the 24 months.
""",
    "travel.md": """# Travelling with others

## Children

Children under 2 can fly on an adult's lap for 10% of the adult fare. Children aged 5 to 14
can fly alone with our escort service for $80 per flight.

## Pets

Small cats and dogs up to 8 kg including their carrier can travel in the cabin for $100 each
way. Larger pets travel in the hold as checked baggage. Book a pet's place at least 48 hours
before departure.

## Wheelchairs

Request wheelchair assistance at least 48 hours before you fly. Your own wheelchair travels
free of charge and does not count towards your checked bags.
""",
}

SAAS = {
    "account.md": """# Your account

## Signing up

Create an account with your work email. Every new workspace starts with a 14-day free trial
of the Team plan, and no credit card is needed until the trial ends.

## Teams

Invite teammates from Settings, then Members. Each member you add takes one seat. Guests can
view shared boards without a seat.

## Closing your account

An owner can close the workspace from Settings, then Workspace. Closed workspaces are kept
for 30 days; during that time an owner can reopen the workspace and everything comes back.
After 30 days the data is deleted for good.

## Old devices

The desktop app needs Windows 10 or macOS 12 or later. On older computers, use Taskboard in
Chrome, Firefox or Safari instead. The mobile app needs Android 9 or iOS 15.

## Two-step login

Turn on two-step login in Settings, then Security. If you lose your phone, use one of your
backup codes or ask another owner to reset it.
""",
    "billing.md": """# Billing

## Plans and prices

The Starter plan is free for up to 3 members. The Team plan costs $8 per seat per month, or
$80 per seat per year. The Business plan costs $15 per seat per month.

## Payment methods

We accept Visa, Mastercard and American Express, and bank transfer on yearly plans of 20
seats or more. Change your card in Billing, then Payment method.

## Failed payments

If a payment fails, we retry it after 3, 5 and 7 days and email the owners each time. After
the last retry fails, the workspace becomes read-only until the balance is paid.

## Invoices

Invoices are emailed to the billing contact on the day you are charged. You can download past
invoices as PDF from Billing, then Invoices, and add a VAT number there.

## Refunds

Yearly plans can be refunded in full within 30 days of payment. Monthly plans are not
refunded, but you keep access until the end of the month you paid for.

## Overpayments

If you pay the same invoice twice, the extra payment is held as account credit and used for
your next invoice. Ask support if you would rather have it sent back to your card.

## Disputed charges

If you see a charge you do not recognise, contact support before you call your bank. We
investigate fraudulent charges within 2 business days and refund any we confirm.
""",
    "usage.md": """# Usage and limits

## Storage

The Starter plan includes 2 GB of storage, the Team plan 100 GB per workspace and the Business
plan 1 TB. When you reach your limit, you can no longer upload files, but nothing is deleted.

## Automation runs

The Team plan includes 1,000 automation runs a month and the Business plan 25,000. Unused runs
are forfeited at the end of each month and do not carry over.

## Seat changes

Adding a seat mid-month is charged for the rest of the month. Removing a seat gives account
credit for the unused days; credit cannot be paid out in cash.

## Promo codes

Enter a promo code in Billing before you upgrade. A code cannot be added to an invoice that
has already been paid, and codes cannot be combined.

## Deposits for custom contracts

Custom contracts over 500 seats need a deposit of one month's fee, which is taken off the
first invoice.
""",
}

INSURE = {
    "cover.md": """# Your cover

## Signing up

Buy a policy online in about 10 minutes. Cover starts at midnight on the day you choose, and you
can cancel within 14 days for a full refund.

## Accidents

If you are hurt in an accident while travelling, we pay medical costs up to $2 million. Call
our 24-hour assistance line on 0800 200 300 before you go to hospital, unless it is an emergency.

## Hotels

If a delay of more than 12 hours leaves you stranded, we pay up to $200 a night for a hotel,
for up to 3 nights. Keep your receipts.

## Old devices

Phones and laptops up to 5 years old are covered against theft and accidental damage. Older
devices are covered for theft only.

## Premiums

Your premium depends on your age, where you travel and how long you go for. Choosing a higher
excess will lower your premium.

## Claims

Claim online within 30 days of getting home. We pay most claims within 10 business days.
""",
}

KBS = {"vet": VET, "transit": TRANSIT, "airline": AIRLINE, "saas": SAAS, "insure": INSURE}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root: Path = tmp_path_factory.mktemp("kbs")
    for name, files in KBS.items():
        docs = root / "docs" / name
        docs.mkdir(parents=True)
        for file, text in files.items():
            (docs / file).write_text(text, encoding="utf-8")
        KnowledgeBase.build(docs, kb_dir(root, name), make_embedder("hashing")).close()
    return root


def _ask(data: Path, kb: str, question: str) -> dict[str, Any]:
    result: dict[str, Any] = build_knowledge_graph(data=data, kb=kb).invoke({"question": question})
    return result


def _rewritten(data: Path, kb: str, question: str) -> str:
    with using_vocabulary(ENGLISH):
        return rewritten(open_named(data, kb), question)


@pytest.mark.parametrize(
    "question",
    [
        "What does it cost to book a dog to be put down on a Saturday?",
        "How much is it to book a cat in to be put down as soon as possible?",
    ],
)
def test_r1_a_pet_put_down_is_not_answered_with_the_boarding_deposit(data: Path, question: str) -> None:
    assert "deposit" not in _rewritten(data, "vet", question)
    assert "A deposit of $50" not in _ask(data, "vet", question)["answer"]


def test_r1_put_down_is_a_deposit_only_in_the_money_sense(data: Path) -> None:
    for form in ("What should I put down as my address on the form?", "Do I have to have my dog put down?"):
        assert _rewritten(data, "vet", form) == form
    assert "put down deposit" in _rewritten(data, "vet", "How much do I put down for boarding?")


@pytest.mark.parametrize(
    ("kb", "question", "answer"),
    [
        # "night" heads "Night buses", "security" heads an airline section: context, not another topic
        ("transit", "Can the driver let me off between stops at night?", "drop you off"),
        ("airline", "I missed my flight at security, do I lose my ticket?", "forfeited"),
    ],
)
def test_r2_a_heading_word_as_context_keeps_the_answer(
    data: Path, kb: str, question: str, answer: str
) -> None:
    result = _ask(data, kb, question)
    assert result["answered"], result.get("confidence")
    assert answer in result["answer"]


@pytest.mark.parametrize(
    ("kb", "question"),
    [
        ("transit", "Can the driver let me off between stops?"),  # R3: no fee, no waiver
        ("airline", "How long does it take to go through security?"),  # R4: a person, not a payment
        ("airline", "Who do I ring up if my bag is delayed?"),  # R5: "ring" is already "call"'s synonym
        ("saas", "What happens when I max out my storage?"),  # R6: storage, not a card
        ("insure", "I got knocked down by a scooter abroad, do you pay medical costs?"),  # R7: no price
        ("saas", "Can I undo removing a seat?"),  # R8: no closure to reopen
    ],
)
def test_r3_to_r8_phrasal_verbs_in_another_sense_keep_the_askers_words(
    data: Path, kb: str, question: str
) -> None:
    assert _rewritten(data, kb, question) == question


def test_r3_r8_the_senses_the_articles_mean_still_read(data: Path) -> None:
    assert "waive" in _rewritten(data, "transit", "Can you let me off the penalty fare?")
    assert "reopen" in _rewritten(data, "saas", "I closed our workspace by accident, can I undo that?")


def test_r5_ringing_up_keeps_a_confident_answer(data: Path) -> None:
    result = _ask(data, "airline", "Who do I ring up if my bag is delayed?")
    assert result["answered"] and "0800 555 0199" in result["answer"]
    assert result["confidence"] > 0.75


def test_r8_vanished_points_are_not_a_forfeited_fare(data: Path) -> None:
    assert "forfeited" not in _ask(data, "airline", "Why did my points vanish?")["answer"]


def test_r8_undo_is_reopening_only_after_a_closure(data: Path) -> None:
    assert not _ask(data, "saas", "Can I undo removing a seat?")["answered"]  # no answer to "can I undo"
    assert "reopen" not in _rewritten(
        data, "saas", "How do I undo deleting a file?"
    )  # a file is not reopened
    closed = _ask(data, "saas", "I closed our workspace by accident, can I undo that?")
    assert closed["answered"] and "reopen the workspace" in closed["answer"]
