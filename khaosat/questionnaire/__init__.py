"""khaosat.questionnaire — see docs/architecture.md and docs/data-contract.md. Imports no Django.

Public API (import from the submodules):

- model: Questionnaire, Group, Question, Choice, ChoiceList; Questionnaire.to_dict/from_dict,
  iter_questions(), question(name), choices(list_name), coerce(name, raw), code_value(raw)
- xlsform: read_xlsform(source, filename=None), load_xlsform(...) -> (model, issues),
  write_xlsx(q, target), to_xlsx_bytes(q), to_xform(q), xform_issues(source_or_model)
- check: check_source(source, filename=None) -> (model | None, [Issue]), check_questionnaire(q)
- codebook: codebook(q, lang=None) -> [CodebookEntry], value_labels(q), variable_labels(q)
- dataset: to_dataframe(q, responses), data_columns(q), codebook_frame(q)
- errors: QuestionnaireError (message, place), Issue (level, message, place), Place
- expr / validate / simulate: expressions, response validation, simulated responses
"""
