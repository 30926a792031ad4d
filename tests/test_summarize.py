"""veille.summarize: French sentence splitting and lead-based summaries, on French text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veille.extract import extract_article, text_of_html
from veille.summarize import split_sentences, summarize

PAGES = Path(__file__).parent / "data" / "pages"
NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space, before ? ! ; in careful French typography


def _squash(text: str) -> str:
    """Text with every whitespace run (no-break spaces included) as one space."""
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------
# split_sentences: one case per trap


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "M. Dupont et Mme Martin ont signé l’accord. MM. Durand et Petit s’y opposent.",
            [
                "M. Dupont et Mme Martin ont signé l’accord.",
                "MM. Durand et Petit s’y opposent.",
            ],
            id="titles",
        ),
        pytest.param(
            "Le Dr. Lefèvre a présidé le jury. Me Garnier, avocate, a plaidé.",
            ["Le Dr. Lefèvre a présidé le jury.", "Me Garnier, avocate, a plaidé."],
            id="doctor-and-maitre",
        ),
        pytest.param(
            "Selon l’art. L. 6323-1 du Code du travail, le CPF est alimenté chaque année. "
            "Le décret n° 2025-1234 le confirme.",
            [
                "Selon l’art. L. 6323-1 du Code du travail, le CPF est alimenté chaque année.",
                "Le décret n° 2025-1234 le confirme.",
            ],
            id="article-of-a-code",
        ),
        pytest.param(
            "Le rapport (cf. Le Monde du 3 mars, p. 12) est sévère. Il vise France compétences.",
            [
                "Le rapport (cf. Le Monde du 3 mars, p. 12) est sévère.",
                "Il vise France compétences.",
            ],
            id="cf-and-page",
        ),
        pytest.param(
            "Les OPCO, les CFA, les branches, etc. Tous devront se certifier. "
            "Les frais de dossier, d’inscription, etc., restent à la charge de l’employeur.",
            [
                "Les OPCO, les CFA, les branches, etc.",
                "Tous devront se certifier.",
                "Les frais de dossier, d’inscription, etc., restent à la charge de l’employeur.",
            ],
            id="etc",
        ),
        pytest.param(
            "En 52 av. J.-C. César assiège Alésia. La ville tombe en 52 av. J.-C. "
            "Il faut attendre des siècles. J.-C. Lambert préside l’organisme.",
            [
                "En 52 av. J.-C. César assiège Alésia.",
                "La ville tombe en 52 av. J.-C.",
                "Il faut attendre des siècles.",
                "J.-C. Lambert préside l’organisme.",
            ],
            id="av-J-C",
        ),
        pytest.param(
            "Le rapport de J. Dupont et A. Martin est paru. Il sera débattu.",
            ["Le rapport de J. Dupont et A. Martin est paru.", "Il sera débattu."],
            id="initials",
        ),
        pytest.param(
            "Le budget atteint 1,5 million d’euros. La hausse est de 3.5 points. "
            "Elle touche 10 000 apprentis.",
            [
                "Le budget atteint 1,5 million d’euros.",
                "La hausse est de 3.5 points.",
                "Elle touche 10 000 apprentis.",
            ],
            id="decimal-numbers",
        ),
        pytest.param(
            "Le CPF, Qualiopi, l’apprentissage… Tout change en 2026. "
            "Les OPCO attendent… et les CFA s’inquiètent. Et puis... Rien.",
            [
                "Le CPF, Qualiopi, l’apprentissage…",
                "Tout change en 2026.",
                "Les OPCO attendent… et les CFA s’inquiètent.",
                "Et puis...",
                "Rien.",
            ],
            id="ellipses",
        ),
        pytest.param(
            "«\u00a0Nous avons […] Tout revu\u00a0», explique la directrice. Le texte suivra.",
            ["«\u00a0Nous avons […] Tout revu\u00a0», explique la directrice.", "Le texte suivra."],
            id="ellipsis-of-a-cut-quote",
        ),
        pytest.param(
            f"«{NBSP}Faut-il encore financer le permis de conduire{NNBSP}?{NBSP}» s’interroge "
            f"la Cour des comptes. Le rapport répond non.",
            [
                f"«{NBSP}Faut-il encore financer le permis de conduire{NNBSP}?{NBSP}» "
                f"s’interroge la Cour des comptes.",
                "Le rapport répond non.",
            ],
            id="question-inside-guillemets-then-incise",
        ),
        pytest.param(
            f"La ministre a tranché{NBSP}: «{NBSP}Le reste à charge est maintenu.{NBSP}» "
            f"Les syndicats protestent.",
            [
                f"La ministre a tranché{NBSP}: «{NBSP}Le reste à charge est maintenu.{NBSP}»",
                "Les syndicats protestent.",
            ],
            id="period-inside-closing-guillemet",
        ),
        pytest.param(
            f"Le député demande{NBSP}: «{NBSP}Pourquoi pas{NNBSP}?{NBSP}» Le silence se fait.",
            [
                f"Le député demande{NBSP}: «{NBSP}Pourquoi pas{NNBSP}?{NBSP}»",
                "Le silence se fait.",
            ],
            id="question-inside-closing-guillemet",
        ),
        pytest.param(
            f"Qui paiera{NNBSP}? Les entreprises{NNBSP}! Voilà la réponse{NNBSP}; elle déplaît.",
            [
                f"Qui paiera{NNBSP}?",
                f"Les entreprises{NNBSP}!",
                f"Voilà la réponse{NNBSP}; elle déplaît.",
            ],
            id="no-break-space-before-question-mark",
        ),
        pytest.param(
            "Il a été tué samedi.\u00a0Les autorités restent sans nouvelles.",
            ["Il a été tué samedi.", "Les autorités restent sans nouvelles."],
            id="no-break-space-after-period",
        ),
        pytest.param(
            "Le détail est sur www.moncompteformation.gouv.fr. Écrivez à "
            "contact@francecompetences.fr. Le formulaire https://www.service-public.fr/"
            "particuliers/vosdroits/F10705?lang=fr&x=1. Il reste ouvert.",
            [
                "Le détail est sur www.moncompteformation.gouv.fr.",
                "Écrivez à contact@francecompetences.fr.",
                "Le formulaire https://www.service-public.fr/particuliers/vosdroits/F10705"
                "?lang=fr&x=1.",
                "Il reste ouvert.",
            ],
            id="urls-and-emails",
        ),
        pytest.param(
            "Le décret entre en vigueur le 1er janv. 2026. Il a été publié le 1er sept. 2025. "
            "Ils étaient sept. Le nombre a doublé.",
            [
                "Le décret entre en vigueur le 1er janv. 2026.",
                "Il a été publié le 1er sept. 2025.",
                "Ils étaient sept.",
                "Le nombre a doublé.",
            ],
            id="dates",
        ),
        pytest.param(
            "C’est de l’art. Le public applaudit. La réunion commence à 10 h. Il y en a. Fin.",
            [
                "C’est de l’art.",
                "Le public applaudit.",
                "La réunion commence à 10 h.",
                "Il y en a.",
                "Fin.",
            ],
            id="words-that-look-like-abbreviations",
        ),
        pytest.param(
            "La démarche est simple. 1. Créez votre compte. 2. Choisissez une formation.",
            [
                "La démarche est simple.",
                "1. Créez votre compte.",
                "2. Choisissez une formation.",
            ],
            id="inline-numbered-list",
        ),
        pytest.param(
            "Trois changements\u00a0:\n1. Le CPF est plafonné.\n2. Qualiopi est renforcé.\n"
            "- les CFA sont contrôlés\n- les OPCO aussi",
            [
                "Trois changements\u00a0:",
                "1. Le CPF est plafonné.",
                "2. Qualiopi est renforcé.",
                "- les CFA sont contrôlés",
                "- les OPCO aussi",
            ],
            id="numbered-and-bulleted-lines",
        ),
    ],
)
def test_split_sentences_traps(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_blank_line_always_ends_a_sentence() -> None:
    text = "Le texte est adopté sans point final\n\n   \n\nle Sénat l’examinera en mai."
    assert split_sentences(text) == [
        "Le texte est adopté sans point final",
        "le Sénat l’examinera en mai.",
    ]


def test_line_breaks_heading_and_wrapped_lines() -> None:
    text = (
        "Réforme de l’apprentissage\n"  # a heading: no final punctuation, capital next
        "Le gouvernement présente son texte en conseil des ministres.\n"
        "Les aides à l’embauche des apprentis\n"  # wrapped: a small letter follows
        "seront réduites, et la réforme du\n"  # wrapped: ends with a function word
        "CPF suivra,\n"  # wrapped: ends with a comma
        "Selon Matignon, avant l’été."
    )
    assert split_sentences(text) == [
        "Réforme de l’apprentissage",
        "Le gouvernement présente son texte en conseil des ministres.",
        "Les aides à l’embauche des apprentis seront réduites, et la réforme du CPF suivra, "
        "Selon Matignon, avant l’été.",
    ]


def test_whitespace_is_collapsed_but_french_no_break_spaces_kept() -> None:
    text = f"  Le   montant\tpasse à 1{NNBSP}500{NBSP}€\r\nen 2026{NNBSP}!  "
    assert split_sentences(text) == [f"Le montant passe à 1{NNBSP}500{NBSP}€ en 2026{NNBSP}!"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n", NBSP])
def test_split_nothing(text: str) -> None:
    assert split_sentences(text) == []


FRENCH_PIECES = [
    *"abcdeéèàLMJCQP.,;:!?…«»()'’-0123 \n\r",
    *(NBSP, NNBSP, "\r\n", "\n\n", "M. ", "art. ", "J.-C. ", "1. ", "... ", "www.a.fr"),
]


@given(st.lists(st.sampled_from(FRENCH_PIECES), max_size=120).map("".join))
@settings(max_examples=300, deadline=None)
def test_splitting_loses_and_adds_nothing(text: str) -> None:
    sentences = split_sentences(text)
    assert "".join("".join(s.split()) for s in sentences) == "".join(text.split())
    assert all(s and s == s.strip() for s in sentences)


# ---------------------------------------------------------------------------------------------
# summarize

TITLE = "Le Sénat adopte la réforme de l’apprentissage"
LEAD = [
    "Les sénateurs ont voté mardi soir, par 210 voix contre 98, le projet de loi qui réforme "
    "le financement des contrats d’apprentissage.",
    "France compétences verra son budget encadré dès le 1er janv. 2027, selon M. Dupont.",
    "Le texte doit maintenant passer en commission mixte paritaire.",
    "Les centres de formation d’apprentis redoutent une baisse de leurs niveaux de prise en "
    "charge.",
]


def test_summary_is_the_lead_in_order() -> None:
    text = "\n\n".join(LEAD)
    assert summarize(TITLE, text) == " ".join(LEAD[:3])
    assert summarize(TITLE, text, max_sentences=2) == " ".join(LEAD[:2])
    assert summarize(TITLE, text, max_sentences=1) == LEAD[0]


def test_repeats_of_the_title_are_skipped() -> None:
    text = "\n\n".join(
        [
            "Le Sénat adopte la réforme de l’apprentissage.",  # the title, as the first line
            "Le Sénat a adopté mardi la réforme de l'apprentissage.",  # a near repeat
            *LEAD,
        ]
    )
    assert summarize(TITLE, text).startswith(LEAD[0])


def test_a_sentence_already_taken_is_not_taken_again() -> None:
    text = f"{LEAD[0]}\n\n{LEAD[0]}\n\n{LEAD[1]}"
    assert summarize(TITLE, text) == f"{LEAD[0]} {LEAD[1]}"


@pytest.mark.parametrize(
    "boilerplate",
    [
        "Lire aussi\u00a0: CPF, ce qui change au 1er janvier pour les salariés",
        "À lire aussi : Qualiopi, la certification qualité des organismes de formation",
        "Lire la suite de l’article sur notre site partenaire.",
        "Abonnez-vous pour lire la suite de cet article et soutenir notre rédaction.",
        "Article réservé aux abonnés de la lettre de la formation professionnelle.",
        "Publié le 12 mars 2026 à 10h05, mis à jour le 12 mars 2026 à 11h20.",
        "Mis à jour le 13 mars 2026 à 8 h 45 avec la réaction des organisations patronales.",
        "Crédit photo : Jean Dupont pour le ministère du Travail et de l’Emploi.",
        "Partager sur Facebook, sur LinkedIn ou par e-mail avec vos collègues.",
        "Nous utilisons des cookies pour améliorer votre expérience sur notre site.",
        "En poursuivant votre navigation, vous acceptez le dépôt de traceurs sur votre appareil.",
        "Cet article est paru dans le numéro de mars de notre magazine consacré à la formation.",
        "Par Jean Dupont et Marie Martin, journalistes au service Économie.",
        "Propos recueillis par Claire Petit pour le dossier spécial sur l’apprentissage.",
        "Temps de lecture : 4 min, pour tout comprendre de la réforme.",
    ],
)
def test_boilerplate_is_skipped(boilerplate: str) -> None:
    text = f"{boilerplate}\n\n{LEAD[0]}\n\n{boilerplate}\n\n{LEAD[1]}"
    assert summarize(TITLE, text) == f"{LEAD[0]} {LEAD[1]}"


@pytest.mark.parametrize(
    "sentence",
    [
        "Par ailleurs, le gouvernement prévoit une aide de 6 000 euros pour chaque apprenti.",
        "Par décret du 3 mars, le gouvernement relève la participation des salariés au CPF.",
        "Les salariés peuvent partager leurs droits avec leurs collègues, selon le texte.",
    ],
)
def test_sentences_that_merely_look_like_boilerplate_are_kept(sentence: str) -> None:
    assert summarize(TITLE, f"{sentence}\n\n{LEAD[0]}").startswith(sentence)


@pytest.mark.parametrize(
    "weak",
    [
        "Le CPF change.",  # under five words
        "Ce qui change pour les organismes",  # a heading: short, no final punctuation
        "Le décret prévoit trois mesures principales pour les employeurs\u00a0:",  # a list follows
        "12/03/2026 – 14 h 30 – 2 400 € – 35 % – n° 2025-1234.",  # figures and symbols
    ],
)
def test_weak_sentences_are_skipped(weak: str) -> None:
    assert summarize(TITLE, f"{weak}\n\n{LEAD[0]}") == LEAD[0]


def test_list_bullets_are_dropped_from_the_summary() -> None:
    text = "- Le plafond des droits au CPF passe à 5 000 euros pour tous les salariés."
    assert summarize(TITLE, text) == text[2:]


def test_max_chars_stops_before_the_sentence_that_does_not_fit() -> None:
    text = "\n\n".join(LEAD)
    limit = len(LEAD[0]) + 1 + len(LEAD[1])
    assert summarize(TITLE, text, max_chars=limit) == f"{LEAD[0]} {LEAD[1]}"
    assert summarize(TITLE, text, max_chars=limit - 1) == LEAD[0]


def test_a_first_sentence_longer_than_max_chars_is_cut_at_a_word() -> None:
    summary = summarize(TITLE, "\n\n".join(LEAD), max_chars=100)
    assert len(summary) <= 100
    assert summary.endswith("…")
    kept = summary[:-1]
    assert LEAD[0].startswith(kept)
    assert LEAD[0][len(kept)] == " "  # cut between two words
    assert not kept.endswith((" le", ",", " "))  # no dangling article or comma before « … »
    assert summary == (
        "Les sénateurs ont voté mardi soir, par 210 voix contre 98, le projet de loi qui réforme…"
    )


def test_summary_never_exceeds_max_chars() -> None:
    text = "\n\n".join(LEAD)
    for limit in range(2, 500, 7):
        summary = summarize(TITLE, text, max_chars=limit)
        assert summary
        assert len(summary) <= limit


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t", f"{NBSP}\n"])
def test_empty_text_gives_empty_summary(text: str) -> None:
    assert summarize(TITLE, text) == ""


def test_short_text_is_returned_cleaned() -> None:
    assert summarize(TITLE, "  Décret\n publié{NBSP}!  ".replace("{NBSP}", NBSP)) == (
        f"Décret publié{NBSP}!"
    )


def test_nothing_but_boilerplate_or_the_title_gives_empty_summary() -> None:
    assert summarize(TITLE, "Lire aussi : la réforme du CPF\n\nAbonnez-vous") == ""
    assert summarize(TITLE, TITLE) == ""


def test_no_break_spaces_are_kept_in_the_summary() -> None:
    sentence = f"Le ministre l’a confirmé{NBSP}: «{NBSP}Le CPF restera gratuit.{NBSP}»"
    assert summarize(TITLE, f"{sentence}\n\n{LEAD[0]}") == f"{sentence} {LEAD[0]}"


def test_english_boilerplate_with_lang_en() -> None:
    text = (
        "By John Smith\n\n"
        "Published on March 12, 2026\n\n"
        "Read more: what the apprenticeship reform changes for employers in 2026.\n\n"
        "The Senate passed the apprenticeship reform on Tuesday by 210 votes to 98. "
        "Subscribe to our newsletter to get the latest news on vocational training. "
        "The bill now goes to a joint committee of both houses."
    )
    assert summarize("Apprenticeship reform passes the Senate", text, lang="en") == (
        "The Senate passed the apprenticeship reform on Tuesday by 210 votes to 98. "
        "The bill now goes to a joint committee of both houses."
    )
    assert summarize("x", text, lang="en-GB") == summarize("x", text, lang="en")


def test_english_boilerplate_list_only_with_an_english_lang() -> None:
    sentence = "Read more about the new law on vocational training in France."
    assert summarize(TITLE, sentence, lang="fr") == sentence
    assert summarize(TITLE, sentence, lang="en") == ""


def test_invalid_limits() -> None:
    with pytest.raises(ValueError, match="max_sentences"):
        summarize(TITLE, LEAD[0], max_sentences=0)
    with pytest.raises(ValueError, match="max_chars"):
        summarize(TITLE, LEAD[0], max_chars=1)


@given(st.text(max_size=400), st.integers(min_value=2, max_value=200))
@settings(max_examples=200, deadline=None)
def test_any_text_gives_a_bounded_summary(text: str, limit: int) -> None:
    assert len(summarize(TITLE, text, max_chars=limit)) <= limit


# ---------------------------------------------------------------------------------------------
# Real French articles (tests/data/pages, see its README)

BOILERPLATE_MARKERS = (
    "lire aussi",
    "lire la suite",
    "abonn",
    "publié le",
    "mis à jour",
    "crédit",
    "partager",
    "cookie",
    "revivez",
    "temps de lecture",
    "cet article",
)


def _real_articles() -> list[tuple[str, str, str]]:
    """(name, title, text): the French Readability pages' reference text, graby's pages."""
    articles = []
    for name in ("lemonde-1", "liberation-1"):
        folder = PAGES / "mozilla-readability" / name
        title = json.loads((folder / "expected-metadata.json").read_text("utf-8"))["title"]
        text = text_of_html((folder / "expected.html").read_text("utf-8"))
        articles.append((name, title, text))
    for path in sorted((PAGES / "graby-fr").glob("*.html")):
        article = extract_article(path.read_bytes(), url=f"https://example.fr/{path.stem}")
        articles.append((path.stem, article.title or "", article.text))
    return articles


@pytest.mark.parametrize(("name", "title", "text"), _real_articles())
def test_summary_of_a_real_article(name: str, title: str, text: str) -> None:
    summary = summarize(title, text)
    sentences = split_sentences(summary)
    assert sentences, name
    # Lead-based: the summary's sentences come from the first half of the text, in order.
    squashed = _squash(text)
    positions = [squashed.find(_squash(s)) for s in sentences]
    assert positions == sorted(positions), (name, positions)
    assert positions[0] < len(squashed) / 2, (name, positions[0], len(squashed))
    assert len(summary) <= 420
    for sentence in sentences:
        assert _squash(sentence) in _squash(text), (name, sentence)
        assert not any(marker in sentence.lower() for marker in BOILERPLATE_MARKERS), sentence
        assert len(sentence.split()) >= 5
    assert _squash(title) not in _squash(summary)


def test_summary_of_le_monde_is_its_lead() -> None:
    folder = PAGES / "mozilla-readability" / "lemonde-1"
    text = text_of_html((folder / "expected.html").read_text("utf-8"))
    lead = split_sentences(text)[:3]
    assert lead[0].startswith("Les députés ont, sans surprise, adopté")
    assert summarize("Le projet de loi sur le renseignement", text) == " ".join(lead)
