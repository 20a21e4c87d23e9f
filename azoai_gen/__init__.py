"""azoai-gen: turn a short YAML spec into secure, deployable Bicep for Azure OpenAI."""

__version__ = "0.1.0"
