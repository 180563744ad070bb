"""The talk's documents: the pages docs/ must have and the presentation files."""

from __future__ import annotations

DOC_PAGES = (
    "README.md",
    "kubernetes.md",
    "argocd.md",
    "kargo.md",
    "gitops.md",
    "ambientes.md",
    "helm.md",
    "kustomize.md",
    "helm-kustomize-pros-cons.md",
    "arquitetura.md",
)
PRESENTATION = ("slides.md", "runbook.md")
