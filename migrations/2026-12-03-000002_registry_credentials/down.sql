DROP TABLE registry_credentials;
