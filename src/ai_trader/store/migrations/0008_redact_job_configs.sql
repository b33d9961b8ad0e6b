-- Jobs keep their config without API keys (the worker reads them back from the job's config file, config.with_keys):
-- replace the keys stored by earlier versions with "***". (Numbered 0007: 0006 is taken on the main line.)
UPDATE jobs
SET config = json_set(config, '$.models', json((
    SELECT json_group_array(json(v)) FROM (
        SELECT CASE
                 WHEN json_type(m.value, '$.openai_api_key') = 'text'
                      AND json_extract(m.value, '$.openai_api_key') NOT IN ('', '***')
                 THEN json_set(m.value, '$.openai_api_key', '***')
                 ELSE m.value
               END AS v
        FROM json_each(jobs.config, '$.models') AS m
        ORDER BY m.key
    )
)))
WHERE json_valid(config)
  AND json_type(config, '$.models') = 'array'
  AND EXISTS (
      SELECT 1 FROM json_each(jobs.config, '$.models') AS m
      WHERE json_type(m.value, '$.openai_api_key') = 'text'
        AND json_extract(m.value, '$.openai_api_key') NOT IN ('', '***')
  );
