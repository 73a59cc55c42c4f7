"""Request and answer bodies of the health directory."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from hostolink.kit.params import BigRef, IntRef

Category = Literal[
    "chu",
    "hopital_general",
    "centre_hospitalier_regional",
    "clinique",
    "centre_sante_urbain",
    "centre_sante_rural",
    "centre_medico_social",
    "pharmacie",
    "laboratoire",
    "cabinet_medical",
    "dentiste",
    "autre",
]
Sector = Literal["public", "prive", "confessionnel", "communautaire"]
NumberType = Literal["standard", "urgence", "numero_vert", "whatsapp", "fax"]
Confidence = Literal["confirme", "probable", "a_verifier"]

LATITUDE = "Latitude WGS84 en degrés."
LONGITUDE = "Longitude WGS84 en degrés."


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ------------------------------------------------------------------ edits


class PhoneIn(Body):
    numero: str = Field(
        min_length=2,
        max_length=30,
        description="Numéro ivoirien (toute écriture), international (+…) ou numéro court.",
        examples=["0722480000"],
    )
    libelle: str = Field(default="Standard", min_length=1, max_length=100, examples=["Accueil"])
    type_numero: NumberType = "standard"


def _abidjan_clock(value: time) -> time:
    """Opening hours are wall-clock times in Abidjan (UTC all year, no daylight saving): a
    time sent with an offset (`08:00+01:00`) is converted, never stored with its offset
    silently dropped (the column is a TIME without time zone)."""
    offset = value.utcoffset()
    if offset is None:
        return value
    return (datetime.combine(date(2000, 1, 1), value.replace(tzinfo=None)) - offset).time()


ClockTime = Annotated[time, AfterValidator(_abidjan_clock)]


class HoursIn(Body):
    """One opening interval. A closing time earlier than the opening time crosses midnight
    (22:00 → 06:00); 00:00 as closing time means midnight."""

    jour: int = Field(ge=1, le=7, description="1 = lundi … 7 = dimanche.", examples=[1])
    ouverture: ClockTime = Field(examples=["08:00"], description="Heure locale (Abidjan).")
    fermeture: ClockTime = Field(examples=["18:00"], description="Heure locale (Abidjan).")

    @model_validator(mode="after")
    def _not_empty(self) -> HoursIn:
        if self.ouverture == self.fermeture and self.ouverture != time(0):
            raise ValueError("L'heure de fermeture doit différer de l'heure d'ouverture.")
        return self


class EstablishmentEdit(Body):
    """What a manager (or an administrator) may change. Absent fields are left as they are;
    `telephones` and `horaires`, when given, replace the whole list."""

    nom: str | None = Field(default=None, min_length=2, max_length=255)
    categorie: Category | None = None
    secteur: Sector | None = None
    description: str | None = Field(default=None, max_length=4000)
    adresse: str | None = Field(default=None, max_length=255)
    region: str | None = Field(default=None, min_length=2, max_length=100, examples=["Abidjan"])
    ville: str | None = Field(default=None, max_length=100, examples=["Abidjan"])
    commune: str | None = Field(default=None, max_length=100, examples=["Cocody"])
    lat: float | None = Field(default=None, ge=-90, le=90, description=LATITUDE, examples=[5.34])
    lon: float | None = Field(
        default=None, ge=-180, le=180, description=LONGITUDE, examples=[-3.98]
    )
    email: str | None = Field(default=None, max_length=320)
    site_web: str | None = Field(default=None, max_length=255, pattern=r"^https?://\S+$")
    services: list[str] | None = Field(default=None, max_length=50)
    ouvert_24h: bool | None = None
    urgences: bool | None = None
    id_media: BigRef | None = Field(
        default=None,
        description="Photo : une image téléversée par vous (POST /api/medias, usage "
        "etablissement) ; null pour la retirer.",
    )
    telephones: list[PhoneIn] | None = Field(default=None, max_length=10)
    horaires: list[HoursIn] | None = Field(default=None, max_length=28)

    @model_validator(mode="after")
    def _both_coordinates(self) -> EstablishmentEdit:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("Indiquez la latitude et la longitude ensemble.")
        if self.services is not None and any(not s or len(s) > 100 for s in self.services):
            raise ValueError("Chaque service fait de 1 à 100 caractères.")
        return self


class AdminEstablishmentEdit(EstablishmentEdit):
    visible: bool | None = Field(default=None, description="Faux pour masquer la fiche.")
    verifie: bool | None = Field(default=None, description="Informations vérifiées.")


class EstablishmentCreate(AdminEstablishmentEdit):
    nom: str = Field(min_length=2, max_length=255, examples=["Clinique Sainte-Anne"])
    categorie: Category = Field(examples=["clinique"])
    region: str = Field(min_length=2, max_length=100, examples=["Abidjan"])
    lat: float = Field(ge=-90, le=90, description=LATITUDE, examples=[5.3453])
    lon: float = Field(ge=-180, le=180, description=LONGITUDE, examples=[-3.9866])


class MergeBody(Body):
    id_cible: IntRef = Field(description="L'établissement qui reste (reçoit les sources).")
    motif: str = Field(min_length=3, max_length=500, examples=["Doublon OMS / OpenStreetMap"])


class EmergencyNumberIn(Body):
    service: str = Field(min_length=2, max_length=100, examples=["SAMU"])
    numero: str = Field(min_length=2, max_length=30, examples=["185"])
    libelle: str = Field(min_length=1, max_length=100, examples=["Urgences médicales"])
    type_numero: NumberType = "urgence"
    description: str | None = Field(default=None, max_length=1000)
    confiance: Confidence = "a_verifier"
    ordre: int = Field(default=100, ge=0, le=32767)


class EmergencyNumberEdit(Body):
    service: str | None = Field(default=None, min_length=2, max_length=100)
    numero: str | None = Field(default=None, min_length=2, max_length=30)
    libelle: str | None = Field(default=None, min_length=1, max_length=100)
    type_numero: NumberType | None = None
    description: str | None = Field(default=None, max_length=1000)
    confiance: Confidence | None = None
    ordre: int | None = Field(default=None, ge=0, le=32767)
    actif: bool | None = None


# ------------------------------------------------------------------ answers


class PhoneOut(BaseModel):
    numero: str = Field(examples=["+2252722480000"])
    libelle: str = Field(examples=["Standard"])
    type_numero: str = Field(examples=["standard"])
    confiance: str = Field(
        description="confirme, probable (converti au plan à 10 chiffres) ou a_verifier.",
        examples=["probable"],
    )
    appel: str | None = Field(
        description="Lien à toucher pour appeler (tel:). Absent quand le numéro, antérieur au "
        "plan à 10 chiffres de 2021, n'a pas pu être converti sans ambiguïté.",
        examples=["tel:+2252722480000"],
    )
    numero_source: str | None = Field(
        default=None, description="Le numéro tel qu'écrit dans la source, avant conversion."
    )


class SourceOut(BaseModel):
    source: str = Field(examples=["healthsites_osm_2020"])
    licence: str = Field(examples=["ODbL-1.0"])
    attribution: str | None = Field(examples=["© OpenStreetMap contributors / healthsites.io"])


class DirectionsOut(BaseModel):
    openstreetmap: str = Field(
        examples=["https://www.openstreetmap.org/directions?to=5.3453%2C-3.9866"]
    )
    google_maps: str = Field(
        examples=["https://www.google.com/maps/dir/?api=1&destination=5.3453%2C-3.9866"]
    )


class EstablishmentSummary(BaseModel):
    id_etablissement: int = Field(examples=[42])
    nom: str = Field(examples=["CHU de Cocody"])
    categorie: str = Field(examples=["chu"])
    categorie_libelle: str = Field(examples=["Centre hospitalier universitaire (CHU)"])
    secteur: str | None = Field(examples=["public"])
    adresse: str | None
    region: str | None = Field(examples=["Abidjan"])
    ville: str | None = Field(examples=["Abidjan"])
    commune: str | None = Field(examples=["Cocody"])
    lat: float | None = Field(examples=[5.3453])
    lon: float | None = Field(examples=[-3.9866])
    distance_m: int | None = Field(
        default=None, description="Distance à vol d'oiseau (haversine), en mètres."
    )
    urgences: bool
    ouvert_24h: bool
    ouvert_maintenant: bool | None = Field(
        description="Selon les horaires connus, à l'heure d'Abidjan ; vide si inconnus."
    )
    verifie: bool
    telephone: PhoneOut | None = Field(description="Le premier numéro, à toucher pour appeler.")
    photo: str | None = Field(default=None, description="Adresse de la photo, si elle existe.")
    sources: list[str] = Field(examples=[["who_kemri_2019", "healthsites_osm_2020"]])


class HoursOut(BaseModel):
    jour: int = Field(examples=[1])
    jour_libelle: str = Field(examples=["lundi"])
    ouverture: str = Field(examples=["08:00"])
    fermeture: str = Field(examples=["18:00"])


class EstablishmentDetail(EstablishmentSummary):
    description: str | None
    email: str | None
    site_web: str | None
    services: list[str]
    telephones: list[PhoneOut]
    horaires: list[HoursOut]
    itineraire: DirectionsOut | None
    provenance: list[SourceOut]
    visible: bool
    date_modification: datetime | None


class Attributed(BaseModel):
    success: bool = True
    attribution: list[SourceOut] = Field(
        description="Mentions obligatoires des sources des données affichées (ODbL : "
        "© OpenStreetMap contributors)."
    )


class EstablishmentAnswer(Attributed):
    data: EstablishmentDetail


class NearAnswer(Attributed):
    data: list[EstablishmentSummary]
    rayon_m: int = Field(examples=[5000])


class SearchAnswer(Attributed):
    data: list[EstablishmentSummary]
    requete: str = Field(description="La recherche telle que comprise (mots corrigés).")
    corrigee: bool = Field(description="Vrai quand des mots ont été corrigés (fautes de frappe).")


class ListAnswer(Attributed):
    data: list[EstablishmentSummary]
    suivant: str | None = Field(description="Curseur de la page suivante, vide à la fin.")


class CategoryOut(BaseModel):
    code: str = Field(examples=["pharmacie"])
    libelle: str = Field(examples=["Pharmacie"])
    nombre: int = Field(examples=[675])


class CategoriesAnswer(BaseModel):
    success: bool = True
    data: list[CategoryOut]


class PlaceOut(BaseModel):
    region: str = Field(examples=["Abidjan"])
    ville: str | None = Field(examples=["Abidjan"])
    commune: str | None = Field(examples=["Cocody"])
    nombre: int = Field(examples=[120])


class PlacesAnswer(BaseModel):
    success: bool = True
    data: list[PlaceOut]


class EmergencyNumberOut(BaseModel):
    id_numero: int = Field(examples=[1])
    service: str = Field(examples=["SAMU"])
    numero: str = Field(examples=["185"])
    libelle: str = Field(examples=["Urgences médicales"])
    type_numero: str = Field(examples=["urgence"])
    description: str | None
    confiance: str = Field(examples=["confirme"])
    appel: str = Field(examples=["tel:185"])
    ordre: int = Field(examples=[1])


class EmergencyNumbersAnswer(BaseModel):
    success: bool = True
    data: list[EmergencyNumberOut]


class EmergencyNumberAnswer(BaseModel):
    success: bool = True
    data: EmergencyNumberOut
