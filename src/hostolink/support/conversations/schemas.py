"""Request and answer bodies of the help desk's conversations.

Request bodies forbid unknown fields: the author of a message is always the token's person
(or agent), so a body carrying `id_user`, `auteur` or `id_agent` where it has no place is
refused with 422 (F-14). `ConversationOut` and `MessageOut` are also the `data` of the live
frames (live.py) and are imported by the claims package."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hostolink.kit.params import BigRef, IntRef
from hostolink.support.claims.schemas import ClaimAdminOut, ClaimOut

MAX_MESSAGE_CHARS = 4_000
STATUS_LABELS = {
    "nouvelle": "Nouvelle",
    "en_cours": "En cours",
    "attente_utilisateur": "En attente de votre réponse",
    "resolue": "Résolue",
}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ConversationCreate(Body):
    sujet: str = Field(min_length=3, max_length=150, examples=["Retrait Orange Money non reçu"])
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    id_media: BigRef | None = Field(
        default=None, description="Pièce jointe (POST /api/assistance/pieces)."
    )
    reference_transaction: str | None = Field(default=None, min_length=1, max_length=40)
    reference_operation: str | None = Field(default=None, min_length=1, max_length=40)

    @model_validator(mode="after")
    def _one_object(self) -> ConversationCreate:
        if self.reference_transaction is not None and self.reference_operation is not None:
            raise ValueError("Indiquez une transaction ou une opération, pas les deux.")
        return self


class MessageCreate(Body):
    """Text, or an attachment (`id_media`, usage « assistance ») with an optional caption."""

    contenu: str | None = Field(default=None, min_length=1, max_length=MAX_MESSAGE_CHARS)
    id_media: BigRef | None = Field(default=None)

    @model_validator(mode="after")
    def _content(self) -> MessageCreate:
        if self.contenu is None and self.id_media is None:
            raise ValueError("Écrivez un message ou joignez une image.")
        return self


class AgentMessageCreate(MessageCreate):
    interne: bool = Field(default=False, description="Note interne : jamais montrée à la personne.")


class ReadMark(Body):
    id_message: BigRef = Field(description="Dernier message lu.")


class Take(Body):
    forcer: bool = Field(default=False, description="Reprendre une conversation d'un autre agent.")


class Transfer(Body):
    id_agent: IntRef = Field(description="Agent qui reprend la conversation.")


class Resolution(Body):
    message: str | None = Field(default=None, min_length=1, max_length=MAX_MESSAGE_CHARS)


class Masking(Body):
    motif: str = Field(min_length=3, max_length=255)


class AgentOut(BaseModel):
    id_user: int
    prenom: str | None


class PersonOut(BaseModel):
    id_user: int
    prenom: str | None
    nom: str | None
    telephone: str | None


class LastMessageOut(BaseModel):
    extrait: str
    auteur: str
    date_envoi: datetime


class ConversationOut(BaseModel):
    id_conversation: int
    sujet: str
    statut: str
    libelle_statut: str
    agent: AgentOut | None
    reference_transaction: str | None
    reference_operation: str | None
    date_creation: datetime
    date_dernier_message: datetime
    date_premiere_reponse: datetime | None
    date_resolution: datetime | None
    non_lus: int = Field(description="Messages de l'autre côté après ma marque de lecture.")
    dernier_message: LastMessageOut | None


class AgentConversationOut(ConversationOut):
    personne: PersonOut


class AttachmentOut(BaseModel):
    id_media: int
    url: str = Field(description="Lien signé, valable une heure.")
    largeur: int | None
    hauteur: int | None


class MessageOut(BaseModel):
    id_message: int
    id_conversation: int
    auteur: Literal["utilisateur", "agent", "systeme"]
    prenom_auteur: str | None
    interne: bool
    contenu: str | None = Field(description="Vide pour un message masqué.")
    piece_jointe: AttachmentOut | None
    statut: str
    date_envoi: datetime


class ObjectOut(BaseModel):
    """The transaction or provider operation the conversation is about."""

    genre: Literal["transaction", "operation"]
    reference: str
    type: str = Field(description="Type de transaction, ou sens de l'opération.")
    montant: int
    devise: str
    statut: str
    date: datetime
    fournisseur: str | None


class ConversationDetail(ConversationOut):
    objet: ObjectOut | None
    reclamations: list[ClaimOut]


class ContextPerson(BaseModel):
    id_user: int
    prenom: str | None
    nom: str | None
    telephone: str | None
    email: str | None
    niveau_kyc: int
    actif: bool
    date_inscription: datetime | None


class ContextOut(BaseModel):
    personne: ContextPerson
    transactions: list[dict[str, Any]] | None = Field(
        description="Les 10 dernières (permission transactions:lire), sinon vide."
    )
    operations: list[dict[str, Any]] | None = Field(
        description="Les 10 dernières (permission operations:lire), sinon vide."
    )
    reclamations: list[ClaimAdminOut]
    objet: ObjectOut | None


class AgentConversationDetail(AgentConversationOut):
    objet: ObjectOut | None
    reclamations: list[ClaimAdminOut]
    contexte: ContextOut


class ConversationAnswer(BaseModel):
    success: Literal[True] = True
    message: str | None = None
    data: ConversationOut


class AgentConversationAnswer(BaseModel):
    success: Literal[True] = True
    message: str | None = None
    data: AgentConversationOut


class ConversationsAnswer(BaseModel):
    success: Literal[True] = True
    data: list[ConversationOut]
    curseur_suivant: str | None


class AgentConversationsAnswer(BaseModel):
    success: Literal[True] = True
    data: list[AgentConversationOut]
    curseur_suivant: str | None


class DetailAnswer(BaseModel):
    success: Literal[True] = True
    data: ConversationDetail


class AgentDetailAnswer(BaseModel):
    success: Literal[True] = True
    data: AgentConversationDetail


class MessageAnswer(BaseModel):
    success: Literal[True] = True
    data: MessageOut


class MessagesAnswer(BaseModel):
    success: Literal[True] = True
    data: list[MessageOut]
    curseur_suivant: int | None


class DoneAnswer(BaseModel):
    success: Literal[True] = True
    message: str


class UploadOut(BaseModel):
    id_media: int
    url: str = Field(description="Lien signé, valable une heure.")
    largeur: int | None
    hauteur: int | None
    type_mime: str


class UploadAnswer(BaseModel):
    success: Literal[True] = True
    data: UploadOut


class FiguresOut(BaseModel):
    nouvelles: int
    en_cours: int
    attente_utilisateur: int
    resolues_periode: int
    premiere_reponse_mediane_min: float | None
    premiere_reponse_p90_min: float | None
    resolution_mediane_h: float | None
    resolution_p90_h: float | None
    reclamations_ouvertes: int
    reclamations_a_approuver: int


class FiguresAnswer(BaseModel):
    success: Literal[True] = True
    data: FiguresOut
