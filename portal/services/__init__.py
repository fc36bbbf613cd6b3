"""Operations on the domain: each owns its transaction, writes Activity, never renders."""
