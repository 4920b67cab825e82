"""The questionnaire and the consent text, as data. Our own wording throughout (no CCMQ or DLQI text).

To change a question, its wording, a choice or a flag rule: copy the definition, change it and
**bump** ``"version"``. ``questionnaire_current()`` stores each version once and refuses to run if a
stored version's content differs from the code (``QuestionnaireChanged``): a submission must always
show the exact questions it answered. The same holds for ``CONSENT``.

Question types: ``choice`` (one of), ``multi`` (any of), ``yesno``, ``text``, ``textarea``, ``date``,
``scale`` (1 never .. 5 always, grouped into TCM patterns) and ``concern`` (severity + how long).
``flags`` maps an answer to a screening flag; ``wait`` turns a date into a wait from ``IntakeSettings``.
A section may carry ``"show_if": {"question": key, "in": [values]}`` (or ``"value": v``): it is asked only
when an earlier answer matches (``intake.questionnaire.Questionnaire.steps``); otherwise it is not a step,
nothing in it is required, and scoring, screening and the answers shown ignore it.

``QUESTIONNAIRE`` is the version new drafts get. Older versions stay here unchanged, for the submissions
that answered them.
"""

from __future__ import annotations

import copy
import functools
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


# Version 1 asked only about the last year, so a wait longer than a year could not be enforced; from
# version 2 any past date counts.
_V1_PROCEDURE_HELP = "Leave blank if never, or more than a year ago. An approximate date is fine."
PROCEDURE_HELP = "Leave blank if never. An approximate date is fine."


def _procedure(key: str, label: str, name: str, setting: str, help: str = PROCEDURE_HELP) -> dict:
    return {"key": key, "type": "date", "label": label, "required": False, "past_only": True, "help": help,
            "wait": {"setting": setting, "name": name}}


def _item(key: str, label: str) -> dict:
    return {"key": key, "label": label}


QUESTIONNAIRE_V1: dict = {
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
                           "botox_wait_days", help=_V1_PROCEDURE_HELP),
                _procedure("filler_date", "When did you last have dermal fillers?", "dermal fillers",
                           "filler_wait_days", help=_V1_PROCEDURE_HELP),
                _procedure("laser_date", "When did you last have laser treatment on your face?", "laser treatment",
                           "laser_wait_days", help=_V1_PROCEDURE_HELP),
                _procedure("peel_date", "When did you last have a chemical peel?", "a chemical peel",
                           "peel_wait_days", help=_V1_PROCEDURE_HELP),
                _procedure("microdermabrasion_date", "When did you last have microdermabrasion?",
                           "microdermabrasion", "microdermabrasion_wait_days", help=_V1_PROCEDURE_HELP),
                _procedure("facelift_date", "When did you have a face-lift or other facial surgery?", "a face-lift",
                           "facelift_wait_days", help=_V1_PROCEDURE_HELP),
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


def _unchanged(key: str) -> dict:
    """A section as version 1 asked it (a copy: a later edit of one version must never reach another)."""
    return copy.deepcopy(next(s for s in QUESTIONNAIRE_V1["sections"] if s["key"] == key))


# Version 2: the skin patterns a TCM practitioner separates (damp-heat, blood deficiency with wind-dryness,
# spleen qi weakness with damp, phlegm, liver qi stagnation apart from blood stasis), a cycle and hormones
# section for the clients it applies to, and the precautions version 1 missed (isotretinoin and other
# retinoids, keloid scarring, immunosuppressants or steroid tablets, thread lifts, facial palsy). A question
# asked in the same words as in version 1 keeps its key, so an update carries the client's answer over.
QUESTIONNAIRE_V2: dict = {
    "version": 2,
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
                 "help": "Prescription retinoids and isotretinoin are asked about later.",
                 "choices": [["retinoid", "Retinol or other vitamin A creams"],
                             ["acids", "Exfoliating acids (AHA, BHA)"],
                             ["vitamin_c", "Vitamin C serum"], ["prescription", "A prescription cream"]]},
                {"key": "products", "type": "textarea", "required": False,
                 "label": "Which products do you use on your face most days?",
                 "help": "For example cleanser, moisturiser, serum, make-up."},
                {"key": "recent_treatments", "type": "textarea", "required": False,
                 "label": "Any facials or skin treatments in the last three months?",
                 "help": "Injections, fillers, laser, peels, thread lifts and face-lifts are asked about later."},
            ],
        },
        _unchanged("concerns"),
        {
            "key": "signals",
            "title": "How your body feels",
            "intro": "Think about the last three months and choose how often each is true for you. "
                     "There are no right answers: this helps your practitioner see the whole picture.",
            "patterns": [
                {"key": "lung_qi", "label": "Lung qi weakness", "side": "yang",
                 "about": "The lungs govern the skin and its defences: colds, allergies, breathlessness, "
                          "sweating easily.",
                 "items": [
                     _item("lq_colds", "I catch colds more easily than the people around me"),
                     _item("lq_allergies", "Pollen, dust or a change of season makes me sneeze or my eyes itch"),
                     _item("lq_breath", "Light effort, such as climbing stairs, leaves me out of breath"),
                     _item("lq_sweat", "I sweat easily, even when I am not doing much"),
                     _item("lq_voice", "My voice is weak, or tires when I talk for a while"),
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
                 "about": "Not enough warming: cold hands and feet, tiredness, a digestion upset by cold.",
                 "items": [
                     _item("yg_cold_hands", "My hands and feet are cold"),
                     _item("yg_layers", "I feel the cold more than others and reach for extra layers"),
                     _item("yg_tired", "I feel tired even after a full night's sleep"),
                     _item("yg_cold_food", "Cold food or drinks upset my stomach or loosen my stools"),
                     _item("yg_cold_back", "My lower back or knees feel cold, or ache in cold weather"),
                 ]},
                {"key": "spleen_damp", "label": "Spleen qi weakness with damp", "side": "yin",
                 "about": "A digestion that struggles to move fluids: puffiness, bloating, tiredness after "
                          "meals, skin that is slow to heal.",
                 "items": [
                     _item("dp_puffy", "My face or eyes look puffy, especially in the morning"),
                     _item("dp_bloated", "I feel bloated after meals"),
                     _item("sp_sleepy", "I feel sleepy or heavy after eating"),
                     _item("sp_appetite", "My appetite is poor, or food sits heavily in my stomach"),
                     _item("yg_loose_stools", "My stools are loose or soft"),
                     _item("sp_slow_heal", "Spots, scratches or rashes on my skin are slow to heal"),
                 ]},
                {"key": "phlegm", "label": "Phlegm", "side": "yin",
                 "about": "Damp that has thickened: deep lumps and cysts, thick oily skin, a heavy head, mucus.",
                 "items": [
                     _item("ph_cysts", "I get deep, lumpy spots or cysts under the skin that last for weeks"),
                     _item("ph_pores", "My skin is thick and oily, with large pores"),
                     _item("dp_heavy", "My body or head feels heavy or sluggish"),
                     _item("ph_mucus", "I have phlegm in my throat, or often need to clear it"),
                     _item("ph_weight", "I put on weight easily, especially around my middle"),
                 ]},
            ],
        },
        {
            "key": "signals_skin",
            "title": "Your skin and mood",
            "intro": "Again, think about the last three months and choose how often each is true for you.",
            "patterns": [
                {"key": "heat", "label": "Lung and stomach heat", "side": "yang",
                 "about": "Heat rising to the face: redness, red inflamed spots, thirst for cold drinks, "
                          "dry stools.",
                 "items": [
                     _item("ht_hot", "I feel hot when others are comfortable"),
                     _item("ht_red_face", "My face looks flushed or red"),
                     _item("ht_cold_drinks", "I crave cold drinks"),
                     _item("ht_appetite", "I am often very hungry, or I have bad breath or sore gums"),
                     _item("ht_constipation", "My stools are dry and hard, or I go less than once a day"),
                     _item("ht_spots", "I get red, sore or inflamed spots"),
                 ]},
                {"key": "damp_heat", "label": "Damp-heat", "side": "yang",
                 "about": "Heat mixed with damp: oily skin with yellow-headed spots, red rashes that weep or "
                          "crust (acute eczema), a sticky, heavy feeling.",
                 "items": [
                     _item("dh_pustules", "I get spots with yellow or white heads on oily skin"),
                     _item("dh_weeping", "Rashes or eczema on my skin turn red and weep, ooze or crust"),
                     _item("dh_taste", "My mouth tastes bitter or sticky"),
                     _item("dh_urine", "My urine is dark yellow, or my stools are sticky and smell strong"),
                     _item("dh_humid", "I feel hot and heavy at the same time, and worse in humid weather"),
                     _item("dh_rich_food", "Rich, greasy or spicy food, or alcohol, makes my skin flare"),
                 ]},
                {"key": "blood_dryness", "label": "Blood deficiency with wind-dryness", "side": "yin",
                 "about": "Not enough blood to nourish the skin: long-standing dry, itchy, flaky skin "
                          "(chronic eczema), pale lips, dry hair and nails.",
                 "items": [
                     _item("bd_dry_skin", "My skin is dry, rough or flaky, even when I moisturise"),
                     _item("bd_itch", "My skin itches, more at night or in dry weather"),
                     _item("bd_patches", "I have long-standing patches of eczema that are dry, thick or cracked"),
                     _item("bd_pale", "My face, lips or nails look pale"),
                     _item("bd_hair_nails", "My hair is dry or thinning, or my nails break easily"),
                     _item("bd_dizzy", "I feel dizzy or see spots when I stand up quickly"),
                 ]},
                {"key": "liver_qi", "label": "Liver qi stagnation", "side": "yang",
                 "about": "Energy held up by stress and emotion: tension, irritability, sighing, skin that "
                          "flares with your mood.",
                 "items": [
                     _item("st_stress", "I feel stressed or under pressure"),
                     _item("ht_irritable", "I feel irritable or short-tempered"),
                     _item("st_tension", "I hold tension in my jaw, neck or shoulders"),
                     _item("st_sighing", "I sigh often, or my chest feels tight when I am upset"),
                     _item("lv_stress_skin", "My skin breaks out or flares when I am stressed or upset"),
                 ]},
                {"key": "blood_stasis", "label": "Blood stasis", "side": "yin",
                 "about": "Blood that does not flow freely: dark circles, dark patches, dusky lips, thread veins, "
                          "marks that linger.",
                 "items": [
                     _item("st_dark_circles", "I have dark circles under my eyes"),
                     _item("st_dark_spots", "I notice dark spots or uneven patches of colour on my face"),
                     _item("bs_dusky", "My lips or the skin around my eyes look dusky or purplish"),
                     _item("bs_veins", "I have small thread veins on my face"),
                     _item("bs_marks", "Spots leave dark marks or scars that take months to fade"),
                 ]},
            ],
        },
        _unchanged("lifestyle"),
        _unchanged("goals"),
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
                {"key": "has_cycle", "type": "choice",
                 "label": "Do you have menstrual periods, or are you in the perimenopause?",
                 "help": "If not, for example after the menopause, the questions about your cycle are skipped.",
                 "choices": [["no", "No"], ["periods", "Yes, I have periods"],
                             ["perimenopause", "I am in the perimenopause: my periods are changing or stopping"]]},
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
                _yesno("immunosuppressants",
                       "Do you take medicine that lowers your immune defences, or steroid tablets?",
                       _flag("review",
                             "Immunosuppressants or steroid tablets: higher risk of infection, slower healing"),
                       help="For example prednisolone, methotrexate, azathioprine, ciclosporin or a biologic "
                            "injection. Steroid creams and inhalers do not count."),
                _yesno("skin_infection", "Do you have a skin infection, cold sore or shingles at the moment?",
                       _flag("do_not_treat",
                             "Skin infection, cold sore or shingles: treatment waits until it has healed")),
                _yesno("acute_illness", "Do you have a cold, flu or a fever at the moment?",
                       _flag("do_not_treat", "Cold, flu or fever: treatment waits until you are well")),
                {"key": "major_event_date", "type": "date", "required": False, "past_only": True,
                 "label": "If you have had a stroke, a heart attack or major surgery, when was the most recent?",
                 "help": PROCEDURE_HELP,
                 "wait": {"setting": "major_event_wait_days", "name": "a stroke, heart attack or major surgery"}},
                _yesno("pacemaker", "Do you have a pacemaker or an implanted defibrillator (ICD)?",
                       _flag("review", "Pacemaker or ICD: no electro-acupuncture")),
                # Facial needling changes with a palsy: sensation, eye closure and the affected side. One that
                # has not fully recovered is the practitioner's call, not the client's.
                {"key": "facial_palsy", "type": "choice", "label": "Have you had facial palsy (Bell's palsy)?",
                 "choices": [["no", "No"], ["current", "Yes, I have it now or am still recovering"],
                             ["past", "Yes, and it has fully recovered"]],
                 "flags": {"current": _flag("review", "Facial (Bell's) palsy, now or still recovering: "
                                                      "the practitioner adapts or postpones facial needling"),
                           "past": _flag("note", "Past facial (Bell's) palsy, fully recovered")}},
                _yesno("metal_allergy", "Are you allergic to metals such as nickel?",
                       _flag("note", "Metal allergy: check needle type")),
                {"key": "needle_fear", "type": "choice", "label": "How do you feel about needles?",
                 "choices": [["fine", "I am fine with them"], ["nervous", "A little nervous"],
                             ["very", "Very anxious, or I have fainted before"]],
                 "flags": {"very": _flag("note", "Very anxious about needles or has fainted")}},
                {"key": "other_conditions", "type": "textarea", "required": False,
                 "label": "Anything else about your health we should know?"},
            ],
        },
        {
            "key": "procedures",
            "title": "Skin medicines and cosmetic treatments",
            "intro": "Some skin medicines and cosmetic treatments mean waiting before facial acupuncture. "
                     "Leave a date blank if you have never had the treatment; an approximate date is fine.",
            "questions": [
                # Isotretinoin leaves the skin fragile and slow to heal during the course and for months after.
                {"key": "isotretinoin", "type": "choice",
                 "label": "Have you taken isotretinoin tablets for acne (for example Roaccutane)?",
                 "choices": [["no", "No"], ["past", "Yes, and I have finished the course"],
                             ["current", "Yes, I am taking it now"]],
                 "flags": {"current": _flag("do_not_treat", "Taking isotretinoin: no facial acupuncture during the "
                                                            "course")}},
                {"key": "isotretinoin_end_date", "type": "date", "required": False, "past_only": True,
                 "required_if": {"question": "isotretinoin", "value": "past"},
                 "label": "If you have finished a course of isotretinoin, when did you take the last tablet?",
                 "help": "An approximate date is fine.",
                 "wait": {"setting": "isotretinoin_wait_days", "name": "the last isotretinoin tablet"}},
                {"key": "retinoid_rx", "type": "choice", "label": "Do you use a prescription retinoid?",
                 "help": "For example tretinoin, adapalene or tazarotene creams or gels, or acitretin or "
                         "alitretinoin tablets.",
                 "choices": [["no", "No"], ["topical", "Yes, a cream or gel"], ["tablets", "Yes, tablets"]],
                 "flags": {"topical": _flag("review", "Prescription retinoid cream or gel: the skin may be thin and "
                                                      "easily irritated; check it and whether to pause the cream"),
                           "tablets": _flag("do_not_treat", "Retinoid tablets: as with isotretinoin, no facial "
                                                            "acupuncture during the course")}},
                _yesno("keloid", "Do you get keloid or raised (hypertrophic) scars?",
                       _flag("review", "Keloid or raised scarring: needle marks may scar"),
                       help="Scars that grow thick or raised, beyond the edges of the original wound."),
                _procedure("botox_date", "When did you last have Botox or other anti-wrinkle injections?", "Botox",
                           "botox_wait_days"),
                _procedure("filler_date", "When did you last have dermal fillers?", "dermal fillers",
                           "filler_wait_days"),
                _procedure("thread_lift_date", "When did you last have a thread lift?", "a thread lift",
                           "thread_lift_wait_days"),
                _procedure("laser_date", "When did you last have laser treatment on your face?", "laser treatment",
                           "laser_wait_days"),
                _procedure("peel_date", "When did you last have a chemical peel?", "a chemical peel",
                           "peel_wait_days"),
                _procedure("microdermabrasion_date", "When did you last have microdermabrasion?",
                           "microdermabrasion", "microdermabrasion_wait_days"),
                _procedure("facelift_date", "When did you last have a face-lift or other facial surgery?",
                           "a face-lift", "facelift_wait_days"),
            ],
        },
        {
            "key": "cycle",
            "title": "Your cycle and hormones",
            "intro": "Hormones show on the skin: breakouts before a period, heat and flushes around the "
                     "menopause. Your answers help your practitioner plan and time your treatment.",
            "show_if": {"question": "has_cycle", "in": ["periods", "perimenopause"]},
            "questions": [
                {"key": "cycle_regularity", "type": "choice", "label": "How regular is your cycle?",
                 "choices": [["regular", "Regular: it varies by a few days at most"],
                             ["irregular", "Irregular: it often varies by more than a week"],
                             ["changing", "Changing: periods come further apart or closer together, or skip"]]},
                {"key": "cycle_breakouts", "type": "choice",
                 "label": "Do you break out in the week before or during your period?",
                 "help": "Often on the chin and jawline.",
                 "choices": [["no", "No, or rarely"], ["some", "Some months"], ["most", "Most months"]]},
                {"key": "pms", "type": "multi", "required": False,
                 "label": "In the days before your period, do you notice any of these?",
                 "help": "Choose all that apply, or none.",
                 "choices": [["mood", "Irritability, low mood or mood swings"],
                             ["breasts", "Tender or swollen breasts"],
                             ["bloating", "Bloating or water retention"], ["tired", "Tiredness"],
                             ["cravings", "Food cravings"], ["headache", "Headaches"]]},
                {"key": "period_pain", "type": "choice", "label": "How painful are your periods?",
                 "choices": [["little", "Little or no pain"], ["moderate", "Painful, but I carry on as usual"],
                             ["severe", "Very painful: I need painkillers or rest"]]},
                {"key": "flow", "type": "choice", "label": "How would you describe your flow?",
                 "choices": [["average", "Average"], ["heavy", "Heavy, or with large clots"],
                             ["light", "Light or scanty"], ["varies", "It varies a lot"]]},
                {"key": "hot_flushes", "type": "choice", "label": "Do you have hot flushes or night sweats?",
                 "choices": [["no", "No"], ["some", "Sometimes"], ["often", "Most days or nights"]]},
                {"key": "hormones", "type": "multi", "required": False, "label": "Do any of these apply to you?",
                 "choices": [["contraception", "Hormonal contraception (pill, implant, injection or hormonal coil)"],
                             ["hrt", "Hormone replacement therapy (HRT)"],
                             ["pcos", "Polycystic ovary syndrome (PCOS)"], ["endometriosis", "Endometriosis"]]},
                _yesno("unchecked_bleeding", "Do you bleed between periods, without a doctor having checked why?",
                       _flag("note", "Bleeding between periods not yet checked by a doctor: suggest seeing a GP")),
            ],
        },
        _unchanged("medications"),
    ],
}

# The version new drafts get.
QUESTIONNAIRE = QUESTIONNAIRE_V2
# Every version written here, old ones included (``in_code``).
QUESTIONNAIRES = (QUESTIONNAIRE_V1, QUESTIONNAIRE_V2)


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


@functools.cache
def in_code() -> dict[str, dict]:
    """The questionnaire versions written here, by checksum: a stored version with one of these checksums holds
    exactly that definition (``_ensure`` checks it against the code when it stores a version)."""
    return {checksum(definition): definition for definition in QUESTIONNAIRES}


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
