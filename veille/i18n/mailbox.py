"""What veille says about its mailbox sources (newsletters received by e-mail), in French and
English (merged into :data:`veille.i18n.MESSAGES`)."""

from __future__ import annotations

MAILBOX: dict[str, tuple[str, str]] = {
    "source.kind.mailbox": ("boîte aux lettres", "mailbox"),
    "kind.mailbox": ("boîte aux lettres", "mailbox"),
    # sources.yaml's mailbox keys: veille/i18n/config.py
    # reading a mailbox
    "mailbox.no_password": (
        "source {source} : la variable d’environnement {name} (ou {name}_FILE) qui doit "
        "contenir le mot de passe de la boîte n’est pas définie",
        "source {source}: the environment variable {name} (or {name}_FILE) that should hold "
        "the mailbox's password is not set",
    ),
    "mailbox.login": (
        "le serveur {host} refuse l’identifiant {user!r} ou son mot de passe (source "
        "{source}) : vérifiez username et la variable de password_env",
        "server {host} refuses login {user!r} or its password (source {source}). Hint: "
        "check username and the variable password_env names",
    ),
    "mailbox.unreachable": (
        "le serveur de messagerie {host} ne répond pas ({detail}) : vérifiez l’adresse et "
        "le port de la source",
        "mail server {host} cannot be reached ({detail}). Hint: check the source's address "
        "and port",
    ),
    "mailbox.failed": (
        "le serveur de messagerie {host} a interrompu la lecture ({detail})",
        "mail server {host} broke off the reading ({detail})",
    ),
    "mailbox.certificate": (
        "le certificat du serveur {host} n’est pas reconnu ({detail}) : pour un certificat "
        "auto-signé, indiquez son autorité avec `ca_file`",
        "the certificate of server {host} is not trusted ({detail}). Hint: for a "
        "self-signed certificate, give its authority with `ca_file`",
    ),
    "mailbox.no_folder": (
        "le dossier {folder!r} est introuvable sur {host} ({detail}) : vérifiez le dossier "
        "à la fin de l’adresse (imaps://serveur/Dossier)",
        "folder {folder!r} not found on {host} ({detail}). Hint: check the folder at the end "
        "of the address (imaps://server/Folder)",
    ),
    "mailbox.no_maildir": (
        "{path} n’est pas un dossier Maildir (il n’a pas de sous-dossiers cur et new)",
        "{path} is not a Maildir folder (it has no cur and new subfolders)",
    ),
    "mailbox.deadline": (
        "la lecture de la boîte sur {host} a dépassé {seconds} s : le reste sera lu à la "
        "prochaine collecte",
        "reading the mailbox on {host} took more than {seconds} s: the rest is read next run",
    ),
    "mailbox.private": (
        "le serveur de messagerie {host} a une adresse privée ou locale.",
        "mail server {host} has a private or loopback address.",
    ),
    "mailbox.plain_public": (
        "connexion IMAP non chiffrée refusée vers {host} : le mot de passe passerait en "
        "clair. Utilisez imaps:// ou starttls: true (imap:// sans chiffrement n’est permis "
        "que vers une adresse privée, avec allow_private_networks)",
        "unencrypted IMAP connection to {host} refused: the password would travel in clear. "
        "Hint: use imaps:// or starttls: true (plain imap:// is only allowed to a private "
        "address, with allow_private_networks)",
    ),
    "demo.mailbox": (
        "\nLettres reçues par e-mail (source {source}, un dossier Maildir) : {count} "
        "article(s) ; une demande de confirmation d’inscription lue et écartée.",
        "\nNewsletters received by e-mail (source {source}, a Maildir folder): {count} "
        "article(s); a subscription confirmation read and set aside.",
    ),
    # warnings of a run
    "mailbox.too_big": (
        "lettre {ref} ignorée : {mb} Mo, au-delà de max_message_bytes",
        "letter {ref} skipped: {mb} MB, over max_message_bytes",
    ),
    "mailbox.unreadable": (
        "lettre {ref} illisible, ignorée ({detail})",
        "letter {ref} could not be read, skipped ({detail})",
    ),
    "mailbox.notices": (
        "{n} message(s) d’inscription ou de désinscription lu(s), non gardé(s)",
        "{n} subscription or unsubscribe notice(s) read, not kept",
    ),
    "mailbox.more": (
        "d’autres lettres attendent : elles seront lues à la prochaine collecte (max_messages)",
        "more letters wait: they are read next run (max_messages)",
    ),
}
