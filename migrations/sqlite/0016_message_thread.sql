-- The Message-IDs a message answers (its References and In-Reply-To,
-- space-separated): a reply that arrived while the message it answers was
-- set aside joins the case that message is later recorded as. NULL for
-- messages recorded before, and for those answering nothing.
ALTER TABLE messages ADD COLUMN thread TEXT;
