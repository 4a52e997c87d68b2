// CLMSQLite
