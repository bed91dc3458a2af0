# Import by "<salesforce_org>/<app_id>", optionally followed by "/<settings>": what lives only in the
# configuration, as a URL query string (percent-encode what needs it), so that the plan after the import is
# empty. Keys: attributes.<Field>, username.source, username.suffix, create_users, update_users,
# deactivate_users, reactivate_users, adopt_existing, federation_id_source, default_profile, transport,
# on_destroy, and group_mappings (group IDs separated by commas, or * for every group assigned to the app;
# their profiles and roles are read from Okta). What the settings leave out takes its default (attributes none,
# group_mappings unset). Import manages the app's current users; those who left it before are not known.
terraform import oktasf_user_provisioning.prod 'prod/0oa1b2c3d4e5f6g7h8i9/attributes.FirstName=user.firstName&attributes.LastName=user.lastName&attributes.Email=user.email&attributes.Alias=user.firstName&attributes.Title=user.title&attributes.Department=user.department&attributes.TimeZoneSidKey=%27Europe%2FBerlin%27&default_profile=Read+Only&adopt_existing=true&group_mappings=*&on_destroy=deactivate'
