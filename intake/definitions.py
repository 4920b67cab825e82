"""The questionnaire and the consent text, as data. Our own wording throughout (no CCMQ or DLQI text).

To change a question, its wording, a choice or a flag rule: copy the definition, change it and
**bump** ``"version"``. ``questionnaire_current()`` stores each version once and refuses to run if a
stored version's content differs from the code (``QuestionnaireChanged``): a submission must always
show the exact questions it answered. The same holds for ``CONSENT``.

Question types: ``choice`` (one of), ``multi`` (any of), ``yesno``, ``text``, ``textarea``, ``date``,
``scale`` (1 never .. 5 always, grouped into TCM patterns) and ``concern`` (severity + how long).
``flags`` maps an answer to a screening flag; ``wait`` turns a date into a wait from ``IntakeSettings``.
"""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction

YES_NO = [["no", "No"], ["yes", "Yes"]]


def _yesno(key: str, label: str, flag: dict | None = None, help: str = "") -> dict:
    q = {"key": key, "type": "yesno", "label": label, "choices": YES_NO}
    if flag:
        q["flags"] = {"yes": flag}
    if help:
        q["help"] = help
    return q


def _flag(level: str, reason: str) -> dict:
    return {"level": level, "reason": reason}


def _procedure(key: str, label: str, name: str, setting: str) -> dict:
    return {"key": key, "type": "date", "label": label, "required": False, "past_only": True,
            "help": "Leave blank if never, or more than a year ago. An approximate date is fine.",
            "wait": {"setting": setting, "name": name}}


def _item(key: str, label: str) -> dict:
    return {"key": key, "label": label}


QUESTIONNAIRE: dict = {
    "version": 1,
    "title": "Facial acupuncture skin and health questionnaire",
    "scale": [[1, "Never"], [2, "Rarely"], [3, "Sometimes"], [4, "Often"], [5, "Always"]],
    "severity": [[0, "Not a concern"], [1, "Mild"], [2, "Moderate"], [3, "Severe"]],
    "duration": [["under_3m", "Less than 3 months"], ["3_12m", "3 to 12 months"], ["1_5y", "1 to 5 years"],
                 ["over_5y", "More than 5 years"]],
    "sections": [
        {
            "key": "about",
            "title": "About you and your skin",
            "intro": "A few questions about your skin as it is today and how you look after it.",
            "questions": [
                {"key": "skin_type", "type": "choice", "label": "How would you describe your skin?",
                 "choices": [["dry", "Dry"], ["oily", "Oily"], ["combination", "Combination (oily in places)"],
                             ["normal", "Balanced"], ["unsure", "I am not sure"]]},
                {"key": "sensitivity", "type": "choice", "label": "How sensitive is your skin?",
                 "choices": [["low", "Rarely reacts"], ["some", "Some products or weather make it sting or go red"],
                             ["high", "It reacts to many products, heat, cold or wind"]]},
                {"key": "sun", "type": "choice", "label": "How much sun does your face get?",
                 "choices": [["little", "Very little"], ["protected", "Some, and I use sunscreen"],
                             ["unprotected", "A lot, often without sunscreen"], ["sunbeds", "I use sunbeds"]]},
                {"key": "actives", "type": "multi", "required": False,
                 "label": "Do you use any of these on your face?",
                 "choices": [["retinoid", "Retinol or other vitamin A creams"],
                             ["acids", "Exfoliating acids (AHA, BHA)"],
                             ["vitamin_c", "Vitamin C serum"], ["prescription", "A prescription cream"]]},
                {"key": "products", "type": "textarea", "required": False,
                 "label": "Which products do you use on your face most days?",
                 "help": "For example cleanser, moisturiser, serum, make-up."},
                {"key": "recent_treatments", "type": "textarea", "required": False,
                 "label": "Any facials or skin treatments in the last three months?",
                 "help": "Injections, fillers, laser, peels and face-lifts are asked about later."},
            ],
        },
        {
            "key": "concerns",
            "title": "Your skin concerns",
            "intro": "For each, choose how much it bothers you. If it is a concern, tell us how long you have had it.",
            "questions": [
                {"key": "fine_lines", "type": "concern", "label": "Fine lines and wrinkles"},
                {"key": "sagging", "type": "concern", "label": "Sagging or loss of firmness"},
                {"key": "dark_circles", "type": "concern", "label": "Dark circles and puffiness around the eyes"},
                {"key": "tmj", "type": "concern", "label": "Jaw pain or tension (TMJ)"},
                {"key": "acne", "type": "concern", "label": "Acne or breakouts"},
                {"key": "dark_spots", "type": "concern", "label": "Dark spots and blemishes"},
                {"key": "eczema", "type": "concern", "label": "Eczema"},
                {"key": "rashes", "type": "concern", "label": "Rashes or redness"},
                {"key": "seasonal_allergies", "type": "concern", "label": "Seasonal allergies (hay fever)"},
                {"key": "dullness", "type": "concern", "label": "Dull or tired-looking skin"},
                {"key": "concern_notes", "type": "textarea", "required": False,
                 "label": "Anything else about your skin you would like us to know?"},
            ],
        },
        {
            "key": "signals",
            "title": "How your body feels",
            "intro": "Think about the last three months and choose how often each is true for you. "
                     "There are no right answers: this helps your practitioner see the whole picture.",
            "patterns": [
                {"key": "lung_qi", "label": "Lung qi weakness", "side": "yang",
                 "about": "The lungs govern the skin: dryness, low defences, allergies.",
                 "items": [
                     _item("lq_dry_skin", "My skin feels dry or tight, especially after washing"),
                     _item("lq_colds", "I catch colds more easily than the people around me"),
                     _item("lq_allergies", "Pollen, dust or a change of season makes me sneeze or my eyes itch"),
                     _item("lq_breath", "Light effort, such as climbing stairs, leaves me out of breath"),
                     _item("lq_sweat", "I sweat easily, even when I am not doing much"),
                 ]},
                {"key": "heat", "label": "Heat accumulation", "side": "yang",
                 "about": "Heat rising to the face: redness, inflamed spots, thirst, irritability.",
                 "items": [
                     _item("ht_hot", "I feel hot when others are comfortable"),
                     _item("ht_red_face", "My face looks flushed or red"),
                     _item("ht_cold_drinks", "I crave cold drinks"),
                     _item("ht_irritable", "I feel irritable or short-tempered"),
                     _item("ht_constipation", "My stools are dry and hard, or I go less than once a day"),
                     _item("ht_spots", "I get red, sore or inflamed spots"),
                 ]},
                {"key": "yin_deficiency", "label": "Yin deficiency", "side": "yin",
                 "about": "Not enough cooling and moistening: dryness and heat at night.",
                 "items": [
                     _item("yn_night_sweats", "I wake up sweating at night"),
                     _item("yn_hot_palms", "My palms or the soles of my feet feel hot in the evening"),
                     _item("yn_dry_mouth", "My mouth or throat is dry at night"),
                     _item("yn_dry_eyes", "My eyes feel dry or gritty"),
                 ]},
                {"key": "yang_deficiency", "label": "Yang deficiency", "side": "yang",
                 "about": "Not enough warming and moving: cold, pale, tired.",
                 "items": [
                     _item("yg_cold_hands", "My hands and feet are cold"),
                     _item("yg_tired", "I feel tired even after a full night's sleep"),
                     _item("yg_pale", "People tell me I look pale"),
                     _item("yg_loose_stools", "My stools are loose or soft"),
                     _item("yg_layers", "I feel the cold more than others and reach for extra layers"),
                 ]},
                {"key": "damp", "label": "Damp", "side": "yin",
                 "about": "Fluids that do not move: puffiness, heaviness, oiliness.",
                 "items": [
                     _item("dp_puffy", "My face or eyes look puffy, especially in the morning"),
                     _item("dp_heavy", "My body or head feels heavy or sluggish"),
                     _item("dp_oily", "My skin gets oily or shiny during the day"),
                     _item("dp_bloated", "I feel bloated after meals"),
                 ]},
                {"key": "stagnation", "label": "Qi and blood stagnation", "side": "yang",
                 "about": "Energy and blood that do not flow freely: dark tones, stress, tension.",
                 "items": [
                     _item("st_dark_circles", "I have dark circles under my eyes"),
                     _item("st_dark_spots", "I notice dark spots or uneven patches of colour on my face"),
                     _item("st_stress", "I feel stressed or under pressure"),
                     _item("st_tension", "I hold tension in my jaw, neck or shoulders"),
                     _item("st_sighing", "I sigh often, or my chest feels tight when I am upset"),
                 ]},
            ],
        },
        {
            "key": "lifestyle",
            "title": "Your daily life",
            "intro": "Sleep, stress and what you eat and drink show on the skin.",
            "questions": [
                {"key": "sleep_hours", "type": "choice", "label": "How many hours do you usually sleep?",
                 "choices": [["under_6", "Less than 6"], ["6_7", "6 to 7"], ["7_8", "7 to 8"],
                             ["over_8", "More than 8"]]},
                {"key": "sleep_quality", "type": "choice", "label": "How well do you sleep?",
                 "choices": [["good", "Well"], ["broken", "I wake during the night"],
                             ["poor", "Badly: hard to fall asleep or I wake tired"]]},
                {"key": "stress", "type": "choice", "label": "How would you rate your stress these days?",
                 "choices": [["low", "Low"], ["moderate", "Moderate"], ["high", "High"], ["very_high", "Very high"]]},
                {"key": "water", "type": "choice", "label": "How much water do you drink a day?",
                 "choices": [["under_1l", "Less than 1 litre"], ["1_2l", "1 to 2 litres"],
                             ["over_2l", "More than 2 litres"]]},
                {"key": "caffeine", "type": "choice", "label": "Cups of coffee, tea or energy drinks a day",
                 "choices": [["none", "None"], ["1_2", "1 or 2"], ["3_plus", "3 or more"]]},
                {"key": "alcohol", "type": "choice", "label": "How much alcohol do you drink in a week?",
                 "choices": [["none", "None"], ["light", "1 to 7 units"], ["moderate", "8 to 14 units"],
                             ["heavy", "More than 14 units"]]},
                {"key": "smoking", "type": "choice", "label": "Do you smoke or vape?",
                 "choices": [["never", "Never"], ["former", "I used to"], ["yes", "Yes"]]},
                {"key": "exercise", "type": "choice", "label": "How often do you exercise?",
                 "choices": [["rarely", "Rarely"], ["weekly", "Once or twice a week"],
                             ["often", "Three times a week or more"]]},
                {"key": "diet", "type": "multi", "required": False, "label": "Which describe how you usually eat?",
                 "choices": [["regular", "Regular meals"], ["spicy", "Spicy food often"],
                             ["sweet", "Sweet or processed food often"], ["dairy", "Dairy most days"],
                             ["raw_cold", "Mostly raw or cold food"], ["plant", "Vegetarian or vegan"]]},
            ],
        },
        {
            "key": "goals",
            "title": "What you hope for",
            "intro": "Your goals shape your treatment plan.",
            "questions": [
                {"key": "reasons", "type": "multi", "label": "Why are you coming to us?",
                 "help": "Choose all that apply.",
                 "choices": [["natural", "A natural approach to beauty and wellness"],
                             ["ageing", "Fewer signs of ageing"],
                             ["skin_condition", "Help with a skin condition (eczema, allergies, rashes, acne)"],
                             ["self_care", "Self-care and stress relief"]]},
                {"key": "results", "type": "multi", "required": False, "label": "Which results matter most to you?",
                 "choices": [["glow", "Glowing, rejuvenated skin"], ["firmness", "Less sagging"],
                             ["lines", "Fewer fine lines and wrinkles"], ["eyes", "Fewer dark circles, less puffiness"],
                             ["jaw", "Relief from jaw pain"], ["clear", "Fewer breakouts"],
                             ["even_tone", "Fading dark spots and blemishes"],
                             ["allergies", "Fewer seasonal allergies"]]},
                {"key": "goal_notes", "type": "textarea", "required": False,
                 "label": "In your own words, what would a good result look like?"},
            ],
        },
        {
            "key": "medical",
            "title": "Your health and safety",
            "intro": "Acupuncture is very safe, but some conditions mean we adapt or postpone treatment. "
                     "Your answers are seen only by you and the clinic's clinical team.",
            "questions": [
                {"key": "pregnancy", "type": "choice",
                 "label": "Are you pregnant, trying to conceive or breastfeeding?",
                 "choices": [["no", "No"], ["pregnant", "I am pregnant"], ["trying", "I am trying to conceive"],
                             ["breastfeeding", "I am breastfeeding"]],
                 "flags": {"pregnant": _flag("review", "Pregnancy: your practitioner adapts or postpones treatment"),
                           "trying": _flag("note", "Trying to conceive"),
                           "breastfeeding": _flag("note", "Breastfeeding")}},
                _yesno("bleeding_disorder", "Do you have a bleeding or clotting disorder (for example haemophilia)?",
                       _flag("review", "Bleeding or clotting disorder")),
                _yesno("anticoagulants", "Do you take blood-thinning medicine?",
                       _flag("review", "Takes blood-thinning medicine"),
                       help="For example warfarin, apixaban, rivaroxaban, clopidogrel or heparin."),
                _yesno("bruising_supplements", "Do you regularly take aspirin, fish oil, vitamin E or ginkgo?",
                       _flag("note", "Aspirin, fish oil, vitamin E or ginkgo: more likely to bruise")),
                {"key": "blood_pressure", "type": "choice", "label": "Your blood pressure",
                 "choices": [["normal", "Normal, or I do not know"], ["controlled", "High, and under control"],
                             ["uncontrolled", "High, and not under control"], ["low", "Low, I sometimes feel faint"]],
                 "flags": {"uncontrolled": _flag("do_not_treat", "High blood pressure that is not under control"),
                           "controlled": _flag("note", "High blood pressure, under control"),
                           "low": _flag("note", "Low blood pressure: may feel faint")}},
                {"key": "migraines", "type": "choice", "label": "Do you get migraines?",
                 "choices": [["no", "No"], ["not_recent", "Yes, but none in the last three months"],
                             ["recent", "Yes, in the last three months"]],
                 "flags": {"recent": _flag("review", "Migraine in the last three months"),
                           "not_recent": _flag("note", "History of migraines")}},
                _yesno("epilepsy", "Do you have epilepsy or have you had seizures?",
                       _flag("review", "Epilepsy or seizures")),
                _yesno("diabetes", "Do you have diabetes?", _flag("note", "Diabetes: slower healing, more bruising")),
                {"key": "cancer", "type": "choice", "label": "Have you had cancer?",
                 "choices": [["no", "No"], ["past", "Yes, in the past"], ["current", "Yes, I am having treatment now"]],
                 "flags": {"current": _flag("review", "Currently in cancer treatment"),
                           "past": _flag("note", "History of cancer")}},
                _yesno("skin_infection", "Do you have a skin infection, cold sore or shingles at the moment?",
                       _flag("do_not_treat",
                             "Skin infection, cold sore or shingles: treatment waits until it has healed")),
                _yesno("acute_illness", "Do you have a cold, flu or a fever at the moment?",
                       _flag("do_not_treat", "Cold, flu or fever: treatment waits until you are well")),
                {"key": "major_event_date", "type": "date", "required": False, "past_only": True,
                 "label": "If you have had a stroke, a heart attack or major surgery in the last year, when?",
                 "help": "Leave blank if not. An approximate date is fine.",
                 "wait": {"setting": "major_event_wait_days", "name": "a stroke, heart attack or major surgery"}},
                _yesno("pacemaker", "Do you have a pacemaker or an implanted defibrillator (ICD)?",
                       _flag("review", "Pacemaker or ICD: no electro-acupuncture")),
                _yesno("metal_allergy", "Are you allergic to metals such as nickel?",
                       _flag("note", "Metal allergy: check needle type")),
                {"key": "needle_fear", "type": "choice", "label": "How do you feel about needles?",
                 "choices": [["fine", "I am fine with them"], ["nervous", "A little nervous"],
                             ["very", "Very anxious, or I have fainted before"]],
                 "flags": {"very": _flag("note", "Very anxious about needles or has fainted")}},
                _procedure("botox_date", "When did you last have Botox or other anti-wrinkle injections?", "Botox",
                           "botox_wait_days"),
                _procedure("filler_date", "When did you last have dermal fillers?", "dermal fillers",
                           "filler_wait_days"),
                _procedure("laser_date", "When did you last have laser treatment on your face?", "laser treatment",
                           "laser_wait_days"),
                _procedure("peel_date", "When did you last have a chemical peel?", "a chemical peel",
                           "peel_wait_days"),
                _procedure("microdermabrasion_date", "When did you last have microdermabrasion?",
                           "microdermabrasion", "microdermabrasion_wait_days"),
                _procedure("facelift_date", "When did you have a face-lift or other facial surgery?", "a face-lift",
                           "facelift_wait_days"),
                {"key": "other_conditions", "type": "textarea", "required": False,
                 "label": "Anything else about your health we should know?"},
            ],
        },
        {
            "key": "medications",
            "title": "Medicines and allergies",
            "intro": "Include anything from your doctor, from the chemist and any supplements.",
            "questions": [
                _yesno("takes_medication", "Do you take any medicines or supplements?"),
                {"key": "medication_list", "type": "textarea", "required": False,
                 "required_if": {"question": "takes_medication", "value": "yes"},
                 "label": "Which ones? Add the dose if you know it."},
                _yesno("has_allergies", "Do you have any allergies?"),
                {"key": "allergy_list", "type": "textarea", "required": False,
                 "required_if": {"question": "has_allergies", "value": "yes"},
                 "label": "What are you allergic to, and what happens?"},
            ],
        },
    ],
}


CONSENT: dict = {
    "version": 1,
    "title": "Consent to facial acupuncture",
    "text": (
        "I have answered this questionnaire truthfully and to the best of my knowledge. I will tell the clinic "
        "before my next session if anything changes, in particular pregnancy, new medicines, illness or any "
        "cosmetic procedure.\n\n"
        "I understand that facial acupuncture places fine sterile single-use needles in the face and sometimes "
        "the body. Mild bruising, redness or tenderness can happen and usually fades within days. Feeling light-"
        "headed is uncommon; I will tell my practitioner straight away if I feel unwell.\n\n"
        "I understand that this questionnaire supports my practitioner and is not a medical diagnosis, and that "
        "facial acupuncture does not replace the care of my doctor.\n\n"
        "I agree that the clinic keeps my answers and treatment notes securely, that only I, my practitioners "
        "and clinic staff authorised for clinical records may read them, and that every access is recorded.\n\n"
        "I may withdraw my consent at any time, including during a session."
    ),
}


class QuestionnaireChanged(RuntimeError):
    """A stored version's content differs from the code: bump the version number instead."""


def checksum(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _ensure(model, number: int, fields: dict, content) -> object:
    digest = checksum(content)
    obj = model.objects.filter(number=number).first()
    if obj is None:
        try:
            with transaction.atomic():
                obj = model.objects.create(number=number, checksum=digest, **fields)
        except IntegrityError:  # created by a concurrent request
            obj = model.objects.get(number=number)
    if obj.checksum != digest:
        raise QuestionnaireChanged(
            f"{model.__name__} {number} in the database differs from intake/definitions.py: "
            "give the changed text a new version number.")
    return obj


def questionnaire_ensure(definition: dict | None = None):
    """The stored ``QuestionnaireVersion`` for a definition (default: the current one), created once."""
    from .models import QuestionnaireVersion

    definition = definition or QUESTIONNAIRE
    return _ensure(QuestionnaireVersion, definition["version"],
                   {"title": definition["title"], "definition": definition}, definition)


def questionnaire_current():
    return questionnaire_ensure(QUESTIONNAIRE)


def consent_ensure(consent: dict | None = None):
    from .models import ConsentVersion

    consent = consent or CONSENT
    return _ensure(ConsentVersion, consent["version"], {"title": consent["title"], "text": consent["text"]},
                   consent)


def consent_current():
    return consent_ensure(CONSENT)
