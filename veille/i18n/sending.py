"""What veille says about e-mail: the SMTP settings, the letter's addresses, and what a send
did, in French and English (merged into :data:`veille.i18n.MESSAGES`)."""

from __future__ import annotations

SENDING: dict[str, tuple[str, str]] = {
    "mail.not_set": (
        "{name} n’est pas défini. Astuce : export {name} ({what}).",
        "{name} is not set. Hint: export {name} ({what}).",
    ),
    "mail.what_host": (
        "le serveur SMTP, par exemple smtp.example.org",
        "the SMTP server, e.g. smtp.example.org",
    ),
    "mail.what_sender": (
        "par exemple 'Veille formation <veille@of.fr>'",
        "e.g. 'Veille formation <veille@of.fr>'",
    ),
    "mail.bad_sender": (
        "{name}={value!r} n’est pas une adresse e-mail. Astuce : écrivez-la comme "
        "'Veille formation <veille@example.org>'.",
        "{name}={value!r} is not an e-mail address. Hint: write it like "
        "'Veille formation <veille@example.org>'.",
    ),
    "mail.user_without_password": (
        "VEILLE_SMTP_USER est défini mais VEILLE_SMTP_PASSWORD ne l’est pas. Astuce : "
        "définissez les deux (ou VEILLE_SMTP_PASSWORD_FILE, le chemin d’un fichier qui le "
        "contient), ou aucun pour un relais qui ne demande pas d’identification.",
        "VEILLE_SMTP_USER is set but VEILLE_SMTP_PASSWORD is not. Hint: set both (or "
        "VEILLE_SMTP_PASSWORD_FILE, the path of a file holding it), or neither for a relay "
        "that needs no login.",
    ),
    "mail.bad_port": (
        "VEILLE_SMTP_PORT={value!r} n’est pas un numéro de port. Astuce : 587 (STARTTLS) ou 25.",
        "VEILLE_SMTP_PORT={value!r} is not a port number. Hint: 587 (STARTTLS) or 25.",
    ),
    "mail.bad_flag": (
        "{name}={value!r} n’est pas une valeur oui/non. Astuce : écrivez true ou false.",
        "{name}={value!r} is not a yes/no value. Hint: write true or false.",
    ),
    "mail.short_secret": (
        "la clé des liens de désinscription fait moins de 16 octets. Astuce : créez-en une avec "
        "`python -c 'import secrets; print(secrets.token_hex(32))'`.",
        "the unsubscribe secret is shorter than 16 bytes. Hint: generate one with "
        "`python -c 'import secrets; print(secrets.token_hex(32))'`.",
    ),
    "mail.unsubscribe_not_https": (
        "l’adresse de désinscription {url!r} n’est pas en https. Astuce : donnez l’adresse "
        "publique de la page de désinscription, https://…",
        "unsubscribe URL {url!r} is not https. Hint: the public address of the unsubscribe "
        "page, https://…",
    ),
    "mail.role_recipient": ("le destinataire", "recipient"),
    "mail.role_sender": ("l’expéditeur", "sender"),
    "mail.bad_address": (
        "{role} {value!r} n’est pas une adresse e-mail.",
        "{role} {value!r} is not an e-mail address.",
    ),
    "mail.bad_address_why": (
        "{role} {value!r} n’est pas une adresse e-mail ({reason}).",
        "{role} {value!r} is not an e-mail address: {reason}",
    ),
    "mail.unencrypted": (
        "refus d’envoyer le mot de passe SMTP à {host} sans chiffrement. Astuce : définissez "
        "VEILLE_SMTP_STARTTLS=true.",
        "refusing to send the SMTP password to {host} unencrypted. Hint: set "
        "VEILLE_SMTP_STARTTLS=true.",
    ),
    "mail.cannot_connect": (
        "connexion impossible au serveur SMTP {where} : {reason}. Astuce : vérifiez "
        "VEILLE_SMTP_HOST et VEILLE_SMTP_PORT.",
        "cannot connect to the SMTP server {where}: {reason}. Hint: check VEILLE_SMTP_HOST "
        "and VEILLE_SMTP_PORT.",
    ),
    "mail.no_starttls": (
        "{where} ne propose pas STARTTLS. Astuce : utilisez le port de soumission 587, ou "
        "VEILLE_SMTP_STARTTLS=false seulement pour un relais sur cette machine.",
        "{where} does not offer STARTTLS. Hint: use the submission port 587, or set "
        "VEILLE_SMTP_STARTTLS=false only for a relay on this machine.",
    ),
    "mail.tls_failed": (
        "le chiffrement TLS avec {where} a échoué : {reason}. Astuce : vérifiez le nom du serveur.",
        "TLS with {where} failed: {reason}. Hint: check the host name.",
    ),
    "mail.login_refused": (
        "{where} a refusé l’identifiant {user!r} : {code}. Astuce : vérifiez VEILLE_SMTP_USER "
        "et VEILLE_SMTP_PASSWORD.",
        "{where} refused the login of {user!r}: {code}. Hint: check VEILLE_SMTP_USER and "
        "VEILLE_SMTP_PASSWORD.",
    ),
    "mail.server_failed": (
        "le serveur SMTP {where} a échoué avant l’envoi : {reason}",
        "the SMTP server {where} failed before sending: {reason}",
    ),
    "mail.no_smtputf8": (
        "le serveur ne prend pas en charge SMTPUTF8 (une adresse hors ASCII)",
        "not supported by the server: SMTPUTF8 (a non-ASCII address)",
    ),
    "mail.lost_while_taking": (
        "connexion perdue pendant que le serveur recevait le message ({reason})",
        "connection lost while the server was taking the message: {reason}",
    ),
    "mail.closed": ("fermée par le serveur", "closed by the server"),
    "mail.connection_lost": ("connexion perdue ({reason})", "connection lost ({reason})"),
    "mail.refused": ("refusé par le serveur", "refused by the server"),
    "mail.refused_why": (
        "refusé par le serveur : {code} {text}",
        "refused by the server: {code} {text}",
    ),
    # what a send did (`veille digest publish --send`, the web app's send job)
    "send.sent.one": ("{n} lettre envoyée", "{n} letter sent"),
    "send.sent.other": ("{n} lettres envoyées", "{n} letters sent"),
    "send.skipped.one": ("{n} abonné l’avait déjà reçue", "{n} subscriber had it already"),
    "send.skipped.other": ("{n} abonnés l’avaient déjà reçue", "{n} subscribers had it already"),
    "send.failed.one": (
        "{n} envoi en échec (nouvel essai au prochain envoi)",
        "{n} failed (tried again at the next send)",
    ),
    "send.failed.other": (
        "{n} envois en échec (nouvel essai au prochain envoi)",
        "{n} failed (tried again at the next send)",
    ),
    "send.uncertain.one": ("{n} envoi incertain", "{n} uncertain"),
    "send.uncertain.other": ("{n} envois incertains", "{n} uncertain"),
}
