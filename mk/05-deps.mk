deps:
	@bash scripts/install-deps.sh
