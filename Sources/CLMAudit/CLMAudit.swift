// CLMAudit
