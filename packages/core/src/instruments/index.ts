// Framework-agnostic instruments (model, drift, batch, llm) are exported from here.
export {};
