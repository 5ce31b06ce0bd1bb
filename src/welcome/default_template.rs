//! The welcome email Handover sends when the config supplies no template of its own.
//! Mail-client friendly: tables for layout, inline styles, system fonts, no images.

pub(super) const SUBJECT: &str = "Welcome to Microsoft 365, {{display_name}}";

pub(super) const HTML: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Welcome to Microsoft 365</title>
</head>
<body style="margin:0;padding:0;background-color:#f3f4f6;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f3f4f6;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background-color:#ffffff;border:1px solid #d1d5db;font-family:'Segoe UI',Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2937;">
<tr><td style="padding:24px;">
<h1 style="margin:0 0 16px 0;font-size:22px;font-weight:600;color:#111827;">Welcome, {{display_name}}</h1>
<p style="margin:0 0 16px 0;">Your Microsoft 365 account is ready. Sign in with these details:</p>
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 20px 0;">
<tr>
<td style="padding:4px 16px 4px 0;color:#4b5563;vertical-align:top;">Username</td>
<td style="padding:4px 0;font-family:Consolas,'Courier New',monospace;">{{upn}}</td>
</tr>
<tr>
<td style="padding:8px 16px 4px 0;color:#4b5563;vertical-align:top;">{{credential_label}}</td>
<td style="padding:4px 0;"><div style="display:inline-block;padding:8px 12px;background-color:#f3f4f6;border:1px solid #d1d5db;font-family:Consolas,'Courier New',monospace;font-size:18px;letter-spacing:1px;color:#111827;">{{credential}}</div></td>
</tr>
</table>
<p style="margin:0 0 8px 0;font-weight:600;">Where to sign in</p>
<ul style="margin:0 0 20px 0;padding-left:20px;">
<li><a href="https://www.office.com" style="color:#0f6cbd;">https://www.office.com</a>: Outlook, Teams and the rest of Microsoft 365</li>
<li><a href="https://myaccount.microsoft.com" style="color:#0f6cbd;">https://myaccount.microsoft.com</a>: your account, password and devices</li>
<li><a href="https://aka.ms/mysecurityinfo" style="color:#0f6cbd;">https://aka.ms/mysecurityinfo</a>: your sign-in methods, such as the Microsoft Authenticator app</li>
</ul>
<p style="margin:0 0 8px 0;font-weight:600;">At your first sign-in</p>
{{first_sign_in}}
<p style="margin:0 0 16px 0;">Keep this email to yourself and delete it once you have signed in. If you did not expect it, contact IT and quote the ticket below.</p>
<p style="margin:0;color:#4b5563;">Ticket: {{ticket}}<br>{{sender_name}}</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
"#;

pub(super) const TEXT: &str = "Welcome, {{display_name}}

Your Microsoft 365 account is ready. Sign in with these details:

    Username: {{upn}}
    {{credential_label}}: {{credential}}

Where to sign in
    https://www.office.com - Outlook, Teams and the rest of Microsoft 365
    https://myaccount.microsoft.com - your account, password and devices
    https://aka.ms/mysecurityinfo - your sign-in methods, such as the Microsoft Authenticator app

At your first sign-in
{{first_sign_in}}

Keep this email to yourself and delete it once you have signed in. If you did not expect it,
contact IT and quote the ticket below.

Ticket: {{ticket}}
{{sender_name}}
";
