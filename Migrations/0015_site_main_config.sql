-- The main configuration file a site was read through (`scan --nginx FILE`,
-- `--haproxy FILE`): config_file is where the site stands, often an included
-- file; a check or reload must name the main one (`nginx -c FILE -t`).

ALTER TABLE site ADD COLUMN main_config TEXT;
