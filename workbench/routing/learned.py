"""Learned router: scikit-learn features of the prompt (and, as a cascade, of the edge answer), trained on
recorded outcomes to predict how much better the cloud answer would be. Everything runs on the device."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.errors import ConfigError
from workbench.routing.checks import CHECK_NAMES, run_checks
from workbench.routing.policy import Policy

if TYPE_CHECKING:
    from workbench.routing.outcomes import Outcomes

__all__ = ["LearnedRouter"]


class LearnedRouter(Policy):
    """TF-IDF word and character features plus simple counts, two logistic regressions.

    One model predicts P(edge answer correct), the other P(cloud answer correct); the score is their
    difference, the expected quality gained by escalating (default threshold: escalate when that gain is
    at least 0.2). ``c`` is the inverse regularisation strength. With ``use_edge_response`` the edge answer's
    text and check signals are features too, which makes the router a cascade (``learned-cascade``).
    Train with :meth:`fit` on training outcomes only; :attr:`trained_prompts` keeps what it saw (a router
    rebuilt by :meth:`from_state` keeps only how many: :attr:`trained_on`). The fitted state is linear, so
    :meth:`state` holds it as plain numbers: vocabularies, IDF weights, scaler, coefficients.
    """

    name = "learned"
    trainable = True

    def __init__(
        self, threshold: float = 0.2, *, use_edge_response: bool = False, seed: int = 0, c: float = 0.3
    ) -> None:
        super().__init__(threshold)
        self.uses_edge_response = use_edge_response
        if use_edge_response:
            self.name = "learned-cascade"  # type: ignore[misc]
        self.seed = seed
        self.c = c
        self.trained_prompts: frozenset[str] = frozenset()
        self.trained_on = 0
        self._vectorizers: list[Any] = []
        self._scaler: Any = None
        self._models: list[Any] = []

    def _numeric(self, prompts: Sequence[str], responses: Sequence[str] | None) -> np.ndarray:
        rows = []
        for i, prompt in enumerate(prompts):
            row = [np.log1p(len(prompt)), sum(ch.isdigit() for ch in prompt) / max(1, len(prompt))]
            if responses is not None:
                row += run_checks(responses[i])
            rows.append(row)
        width = 2 + (len(CHECK_NAMES) if responses is not None else 0)
        return np.array(rows, dtype=np.float64).reshape(len(prompts), width)

    def _features(self, prompts: Sequence[str], responses: Sequence[str] | None, *, fit: bool) -> Any:
        from scipy import sparse
        from sklearn.preprocessing import StandardScaler

        texts: list[Sequence[str]] = [prompts] if responses is None else [prompts, responses]
        if fit:
            self._vectorizers = [_vectorizer() for _ in texts]
            self._scaler = StandardScaler()
        blocks = [v.fit_transform(t) if fit else v.transform(t) for v, t in zip(self._vectorizers, texts, strict=True)]
        numeric = self._numeric(prompts, responses)
        scaled = self._scaler.fit_transform(numeric) if fit else self._scaler.transform(numeric)
        return sparse.hstack([*blocks, sparse.csr_matrix(scaled)], format="csr")

    def fit(self, data: Outcomes) -> LearnedRouter:
        """Train on ``data`` (the training split only: evaluate on prompts not seen here)."""
        from sklearn.linear_model import LogisticRegression

        responses = data.edge_responses if self.uses_edge_response else None
        if self.uses_edge_response and responses is None:
            raise ConfigError("learned-cascade needs edge responses in the training outcomes; use 'learned'.")
        features = self._features(data.prompts, responses, fit=True)
        self._models = []
        for column in ("edge_score", "cloud_score"):
            labels = (data.array(column) >= 0.5).astype(int)
            if len(set(labels.tolist())) < 2:
                raise ConfigError(f"Training outcomes have a single {column} class; add more varied outcomes.")
            model = LogisticRegression(C=self.c, max_iter=2000, random_state=self.seed)
            self._models.append(model.fit(features, labels))
        self.trained_prompts = frozenset(data.prompts)
        self.trained_on = len(data)
        return self

    def state(self) -> dict[str, Any]:
        """Settings, threshold and the fitted model as plain numbers (train it first)."""
        if not self._models:
            raise ConfigError("The learned router is not trained: call fit(train_outcomes) before saving it.")
        scaler = self._scaler
        return {
            "threshold": self.threshold,
            "use_edge_response": self.uses_edge_response,
            "seed": self.seed,
            "c": self.c,
            "trained_on": self.trained_on,
            "vectorizers": [
                {"vocabulary": {k: int(i) for k, i in v.vocabulary_.items()}, "idf": v.idf_.tolist()}
                for v in self._vectorizers
            ],
            "scaler": {"mean": scaler.mean_.tolist(), "var": scaler.var_.tolist(), "scale": scaler.scale_.tolist()},
            "models": [
                {"coef": m.coef_.tolist(), "intercept": m.intercept_.tolist(), "classes": m.classes_.tolist()}
                for m in self._models
            ],
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> LearnedRouter:
        """The fitted router that :meth:`state` described."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        settings = ("threshold", "use_edge_response", "seed", "c")
        router = cls(**{k: state[k] for k in settings})
        router.trained_on = int(state["trained_on"])
        for saved in state["vectorizers"]:
            vectorizer = _vectorizer()
            vectorizer.vocabulary_ = {str(k): int(i) for k, i in saved["vocabulary"].items()}
            vectorizer.idf_ = np.asarray(saved["idf"], dtype=np.float64)
            router._vectorizers.append(vectorizer)
        router._scaler = StandardScaler()
        for name in ("mean", "var", "scale"):
            setattr(router._scaler, f"{name}_", np.asarray(state["scaler"][name], dtype=np.float64))
        router._scaler.n_features_in_ = router._scaler.mean_.size
        for saved in state["models"]:
            model = LogisticRegression(C=router.c, random_state=router.seed)
            model.coef_ = np.asarray(saved["coef"], dtype=np.float64)
            model.intercept_ = np.asarray(saved["intercept"], dtype=np.float64)
            model.classes_ = np.asarray(saved["classes"])
            model.n_features_in_ = model.coef_.shape[1]
            router._models.append(model)
        return router

    def raw_scores(self, prompts: Sequence[str], edge_responses: Sequence[str] | None = None) -> np.ndarray:
        """P(cloud correct) - P(edge correct) for each prompt."""
        if not self._models:
            raise ConfigError("The learned router is not trained: call fit(train_outcomes) first.")
        features = self._features(prompts, edge_responses if self.uses_edge_response else None, fit=False)
        p_edge, p_cloud = (m.predict_proba(features)[:, 1] for m in self._models)
        return np.asarray(p_cloud - p_edge)

    def explain(self, prompt: str, edge_response: str | None, score: float) -> str:
        """The predicted gain."""
        return f"predicted quality gain from the cloud {score:+.3f}"


def _vectorizer() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=20000, sublinear_tf=True)
