"""The taxonomy: the tags articles get, and the default one (the field's four watches, aligned on
the Qualiopi indicators 23-26). An organisation replaces it with its own ``taxonomy:`` list in
sources.yaml."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, field_validator

from veille import i18n
from veille.errors import ConfigError

TYPO = 0.8  # difflib's ratio above which a tag that is not a theme is taken for a typo of one
# Ids of sources and tags: lowercase letters, digits and inner hyphens (they appear in URLs).
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class Tag(BaseModel):
    """One tag of the taxonomy (``taxonomy:`` in sources.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: str
    label_en: str | None = None
    description: str = ""
    indicator: str | None = None  # Qualiopi indicator, e.g. I23
    # Other indicators its items are also filed under in the Qualiopi register: the watch on
    # disability rules is usually shown under I23 as well as I26 (DOMAIN.md).
    also: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # seed keywords: weak evidence for the classifier

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError(i18n.message("config.value.tag_id", value=value))
        return value

    @field_validator("indicator")
    @classmethod
    def _indicator(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"I\d{1,2}", value):
            raise ValueError(i18n.message("config.value.indicator", value=value))
        return value

    @field_validator("also")
    @classmethod
    def _indicators(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for indicator in value:
            if not re.fullmatch(r"I\d{1,2}", indicator):
                raise ValueError(i18n.message("config.value.indicator", value=indicator))
        return value


def _tag(
    id: str, label: str, en: str, indicator: str, description: str, kw: str, *also: str
) -> Tag:
    return Tag(
        id=id,
        label=label,
        label_en=en,
        indicator=indicator,
        also=also,
        description=description,
        keywords=tuple(k.strip() for k in kw.split(",")),
    )


# The default taxonomy (the field's four watches, aligned on Qualiopi indicators 23-26). An
# organisation replaces it with its own ``taxonomy:`` list in sources.yaml.
DEFAULT_TAXONOMY: tuple[Tag, ...] = (
    _tag(
        "reglementaire",
        "Réglementaire et financement",
        "Regulation and funding",
        "I23",
        "Lois, décrets, financements (CPF, OPCO, France compétences), répertoires de "
        "certification, Qualiopi, règles de l'apprentissage.",
        "décret, arrêté, loi, ordonnance, Journal officiel, CPF, compte personnel de formation, "
        "OPCO, France compétences, Qualiopi, RNCP, répertoire spécifique, certification, "
        "apprentissage, contrat d'apprentissage, financement, prise en charge, reste à charge, "
        "Pro-A, transition professionnelle, réforme, Caisse des dépôts",
    ),
    _tag(
        "competences-metiers",
        "Compétences et métiers",
        "Jobs and skills",
        "I24",
        "Métiers, compétences, emploi, études sectorielles, reconversion, données du marché "
        "du travail.",
        "métier, métiers, compétences, emploi, recrutement, reconversion, marché du travail, "
        "France Travail, chômage, tensions, observatoire, branche professionnelle, GPEC, "
        "étude sectorielle, insertion professionnelle, qualification, salariés",
    ),
    _tag(
        "innovation-pedagogique",
        "Innovation pédagogique",
        "Teaching innovation",
        "I25",
        "Pédagogie, AFEST, formation mixte ou à distance, ingénierie de formation, évaluation.",
        "pédagogie, pédagogique, AFEST, formation en situation de travail, blended learning, "
        "formation à distance, FOAD, classe inversée, ingénierie de formation, évaluation, "
        "apprenants, formateurs, andragogie, ludification, multimodal",
    ),
    _tag(
        "numerique-ia",
        "Numérique et IA",
        "Digital and AI",
        "I25",
        "Outils numériques de formation, LMS, IA et IA générative, learning analytics, "
        "transformation numérique des organismes de formation.",
        "intelligence artificielle, IA, IA générative, ChatGPT, LMS, plateforme, digital "
        "learning, e-learning, numérique, learning analytics, outils numériques, MOOC, "
        "réalité virtuelle",
    ),
    _tag(
        "inclusion-numerique",
        "Inclusion numérique",
        "Digital inclusion",
        "I25",
        "Compétences numériques du public, illectronisme, Pix, fracture numérique.",
        "inclusion numérique, illectronisme, Pix, fracture numérique, compétences numériques, "
        "conseillers numériques, médiation numérique, France services, exclusion numérique",
    ),
    _tag(
        "handicap",
        "Handicap et accessibilité",
        "Disability and accessibility",
        "I26",
        "Handicap, accessibilité, Agefiph, référent handicap.",
        "handicap, handicapées, accessibilité, Agefiph, référent handicap, RQTH, FIPHFP, "
        "compensation, aménagement, inclusion des personnes handicapées, MDPH",
        "I23",  # the rules on disability: the regulatory watch (guide v9)
    ),
)


def unknown_tag(tag: str, known: Sequence[str]) -> str:
    """The sentence for a theme the taxonomy does not know: the known ones, and the closest
    (difflib) as a "did you mean" when one is close enough to be a typo."""
    close = difflib.get_close_matches(tag, list(known), n=1, cutoff=0.6)
    guess = i18n.message("tags.did_you_mean", tag=close[0]) if close else ""
    return i18n.message("tags.unknown", tag=tag, guess=guess, tags=", ".join(known))


def check_source_tags(tags: Sequence[str], known: Sequence[str]) -> None:
    """A source's tags: themes of the taxonomy, or labels of the curator's own (an OPML
    folder: "presse"); a tag that is not a theme but close to one is a typo, refused
    (ConfigError with the theme meant), since it would file the source under nothing."""
    for tag in tags:
        if tag not in known and difflib.get_close_matches(tag, list(known), n=1, cutoff=TYPO):
            raise ConfigError(unknown_tag(tag, known))


def check_tags(tags: Sequence[str], known: Sequence[str]) -> None:
    """ConfigError naming the first of ``tags`` that is not one of ``known`` (see
    :func:`unknown_tag`)."""
    for tag in tags:
        if tag not in known:
            raise ConfigError(unknown_tag(tag, known))
