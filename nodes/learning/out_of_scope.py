"""Requests of everyday errands no crew is built for: the promotion gate's out-of-scope check.

A learned router is fit on people's corrections, which are all in scope: nobody labels a request
"none of you". The gate's evaluation rows then say little about where the candidate's routes end (the
demo crew has 6 out-of-scope rows), and a candidate may take far more unrelated requests than the
router it replaces without any guarded figure showing it. These utterances are what a crew's users
send it by mistake or out of habit: trips, reminders, the house, the car, food, health, work, phone
and gadgets, leisure, small talk. Written for crewline in one go (terse, polite, slang and
long-winded), none taken from a routing dataset, none a copy of the router's generic background
requests (``nodes.planning.background``, which the candidate is fit on: measured on those, it would
look better than it is). A crew whose specialists cover one of these topics routes it on both sides
of the comparison: the gate compares the candidate with the current version, never with zero.
"""

from __future__ import annotations

__all__ = ["ERRANDS"]

ERRANDS: tuple[str, ...] = (
    # trips and getting around
    "book me a window seat on the first train to edinburgh tomorrow",
    "is my flight to lisbon on time",
    "find a cheap hotel near the old town for two nights",
    "how long is the drive from here to the coast",
    "what's the quickest way to the airport right now",
    "do i need a visa to visit vietnam as a tourist",
    "cancel my hotel booking for next weekend",
    "which terminal does the afternoon flight to rome leave from",
    "any delays on the northern line this morning",
    "rent a small car at the station for three days",
    "how early should i get to the airport for an international flight",
    "can i bring a power bank in my hand luggage",
    "what's the luggage allowance on a budget airline",
    "where's the nearest petrol station",
    "call me a taxi to the conference centre",
    "what time does the last bus leave",
    "i want to change my seat to an aisle",
    "plan a road trip through the alps in five days",
    "whats the time difference with tokyo",
    "is it safe to drink tap water in mexico city",
    # reminders, calendar, timers
    "remind me to call my sister at six",
    "set a timer for twelve minutes",
    "wake me up at half past five tomorrow",
    "what's on my calendar on friday",
    "move my dentist appointment to next tuesday",
    "add milk and eggs to my shopping list",
    "create a meeting with the design team at 3pm",
    "how many days until christmas",
    "what day of the week was the 4th of july last year",
    "delete all my alarms",
    "put a reminder in for the bins on thursday night",
    "read me my to do list",
    # home and household
    "turn off the lights in the kitchen",
    "set the thermostat to twenty one degrees",
    "how do i unclog a shower drain",
    "the washing machine is making a loud banging noise on spin",
    "what's the best way to get red wine out of a carpet",
    "how often should i change the filter in my air conditioner",
    "lock the front door",
    "is the garage door closed",
    "my smoke alarm keeps chirping, how do i stop it",
    "how do i bleed a radiator",
    "what paint finish is best for a bathroom ceiling",
    "recommend a robot vacuum for pet hair",
    "there are tiny flies all over my fruit bowl",
    "the fridge is not cold enough, what should i check",
    "dim the living room lights to thirty percent",
    "how much weight can a drywall anchor hold",
    # cars
    "when is my car due for its next service",
    "what does the orange engine light mean",
    "how do i change a flat tyre",
    "what tyre pressure should a family hatchback run",
    "my car won't start and just clicks",
    "how long does an oil change take",
    "find a mechanic open on saturday",
    "is it worth buying an electric car for short commutes",
    "where can i charge an electric car near the mall",
    "how do i renew my driving licence",
    "my windscreen wipers squeak, any fix",
    "how much does a car wash cost around here",
    # food, cooking, restaurants
    "book a table for four at an italian place tonight",
    "what can i make with chicken, rice and spinach",
    "how long to soft boil an egg",
    "give me a vegan lasagne recipe",
    "order a large margherita for delivery",
    "which wine would suit a salmon dinner",
    "how many calories are in a banana",
    "substitute for buttermilk in pancakes",
    "is the thai place on main street open now",
    "how do i make sourdough starter from scratch",
    "what temperature should pork be cooked to",
    "can you freeze cooked rice",
    "convert two cups of flour to grams",
    "suggest a quick dinner for a weeknight",
    "how long does homemade soup keep in the fridge",
    "what's a good dessert for a dinner party of eight",
    # health and fitness
    "make me an appointment with a doctor this week",
    "what are the symptoms of a migraine",
    "how much water should i drink a day",
    "is it ok to run with a sore knee",
    "give me a twenty minute workout i can do at home",
    "how many steps did i walk today",
    "what's a normal resting heart rate",
    "i can't sleep at night, any tips",
    "how long does a cold usually last",
    "when is the pharmacy on the corner open till",
    "how do i stretch my lower back",
    "track my water intake",
    "is ibuprofen ok with coffee",
    "find a yoga class near me on sunday morning",
    # work, school, jobs
    "how do i ask my manager for a raise",
    "write a polite email declining a meeting",
    "help me fix the formatting of my cv",
    "how much annual leave have i got left this year",
    "what should i say in a job interview about my weaknesses",
    "schedule a one to one with my team lead",
    "summarise this article for me",
    "what's the deadline for the quarterly report",
    "how do i cite a website in apa style",
    "i need help with my chemistry homework",
    "when does the semester start",
    "translate thank you very much into japanese",
    "how do you say where is the train station in german",
    "what does the word ubiquitous mean",
    "give me a synonym for important",
    "check my essay for spelling mistakes",
    # phones, computers, apps
    "my phone battery drains really fast",
    "how do i capture my screen on a macbook",
    "the wifi keeps dropping in the bedroom",
    "reset my router password",
    "how do i back up my photos to the cloud",
    "my laptop is so slow lately",
    "turn on do not disturb",
    "how do i share my screen in a video call",
    "the printer says it's offline",
    "connect my headphones over bluetooth",
    "how do i stop apps tracking my location",
    "update my phone to the latest version",
    "what's a good free video editor",
    "forgot the passcode on my tablet",
    "how do i set up parental controls on the tv",
    "how much storage is left on my phone",
    # leisure, media, sport
    "play some relaxing jazz",
    "skip to the next track",
    "what's the score in the football match",
    "when does the next season of that dragon show come out",
    "recommend a podcast about history",
    "make the music louder",
    "who won the tennis final yesterday",
    "find tickets for a concert this weekend",
    "what's showing at the cinema tonight",
    "add this song to my workout playlist",
    "what board game is fun for six people",
    "show me an easy magic trick",
    "what time does the marathon start on sunday",
    "how can i improve at chess openings",
    "suggest a hiking trail under ten kilometres",
    "what's a good name for a golden retriever puppy",
    # pets and garden
    "how often should i feed a kitten",
    "my dog ate chocolate, is that dangerous",
    "when should i plant tomatoes outside",
    "why are the leaves on my basil turning yellow",
    "how do i get my cat to stop scratching the sofa",
    "find a vet that's open late",
    "how much sun does lavender need",
    "what vaccines does a puppy need",
    "mow the lawn before or after rain",
    "how do i keep slugs off my lettuce",
    # weather and the world around
    "will it rain this afternoon",
    "do i need a coat today",
    "what's the forecast for the weekend in cardiff",
    "how hot will it get tomorrow",
    "when is sunset today",
    "is there a storm warning for the coast",
    "what's the pollen count",
    "what's the air quality like outside",
    "what's the local time in new york right now",
    "what's the news today",
    # shopping and deliveries (not payments)
    "where is my parcel from the online shop",
    "find me running shoes under eighty pounds",
    "what size is a queen duvet",
    "are the shops open on bank holiday monday",
    "compare these two vacuum cleaners",
    "does the supermarket deliver on sundays",
    "find a birthday present for a ten year old",
    "what's a good gift for someone who likes gardening",
    "is there a discount code for the furniture store",
    "when does the summer sale start",
    # small talk and the assistant itself
    "hello there",
    "good morning, how are you",
    "cheer me up with a pun",
    "what's your name",
    "who made you",
    "you're funny",
    "thanks, that's all",
    "when were you born",
    "do you like music",
    "let's play a game",
    "heads or tails, you choose",
    "roll two dice for me",
    "give me a random number from one to fifty",
    "what's the meaning of life",
    "can you speak spanish",
    "say something nice",
    "i'm feeling a bit down today",
    "what else do you know how to do",
    "are you listening",
    "forget it, doesn't matter",
    # long-winded
    (
        "so we're moving house at the end of the month and i have no idea how to pack the kitchen"
        " without breaking everything, any advice"
    ),
    (
        "my daughter has a school project on volcanoes due monday and we need ideas for a model"
        " that actually erupts"
    ),
    (
        "i've been trying to learn guitar for a few weeks and my fingertips really hurt, is that"
        " normal and when does it stop"
    ),
    (
        "we're hosting my in-laws for a week and i need a meal plan that works for a vegetarian"
        " and a picky eater"
    ),
    "the neighbours' dog barks all night and i've asked them nicely twice, what else can i do",
    (
        "i'm thinking about running my first half marathon in the spring, how should i train if i"
        " can only run three times a week"
    ),
    (
        "our flight got moved to six in the morning and we have two small kids, how do we get to"
        " the airport that early"
    ),
    "i bought a houseplant that was supposed to be easy but it's drooping and i water it every day",
    # slang and terse
    "yo whats good",
    "weather?",
    "pizza near me",
    "traffic rn",
    "gym open?",
    "need a plumber asap",
    "bored af",
    "lol ok",
    "movies tonight?",
    "train times pls",
)
