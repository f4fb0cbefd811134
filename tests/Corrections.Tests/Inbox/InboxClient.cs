using System.Net;
using System.Text.RegularExpressions;
using MimeKit;

namespace Corrections.Tests.Inbox;

/// <summary>An editor's browser on the inbox: asks for a sign-in link, reads it from the mail, signs in, posts forms.</summary>
public static partial class InboxClient
{
    public static async Task<HttpResponseMessage> AskForLinkAsync(HttpClient client, string address)
    {
        var form = FormOf(await client.GetStringAsync("/inbox"));
        form["address"] = address;
        return await client.PostAsync("/inbox/sign-in", new FormUrlEncodedContent(form));
    }

    /// <summary>The path of the sign-in link in the newest sign-in mail to <paramref name="address"/>.</summary>
    public static string LinkIn(IEnumerable<MimeMessage> mails, string address)
    {
        var mail = mails.Last(m => m.Subject == "Sign in to the corrections inbox" && m.To.Mailboxes.Single().Address == address);
        var match = Regex.Match(mail.TextBody ?? "", @"^(http\S+/inbox/sign-in/\S+)$", RegexOptions.Multiline);
        Assert.True(match.Success, "the mail has a sign-in link");
        return new Uri(match.Groups[1].Value).PathAndQuery;
    }

    /// <summary>Opens the link's page and presses its button.</summary>
    public static async Task<HttpResponseMessage> PressSignInAsync(HttpClient client, string path)
    {
        var page = await client.GetStringAsync(path);
        return await client.PostAsync(path, new FormUrlEncodedContent(FormOf(page)));
    }

    /// <summary>The hidden fields of the page's first form that has them (the antiforgery token, where it goes back to).</summary>
    public static Dictionary<string, string> FormOf(string html)
    {
        var fields = HiddenField().Matches(html);
        Assert.True(fields.Count > 0, "the page has a form with an antiforgery token");
        var form = new Dictionary<string, string>();
        foreach (Match field in fields)
            form.TryAdd(WebUtility.HtmlDecode(field.Groups[1].Value), WebUtility.HtmlDecode(field.Groups[2].Value));
        return form;
    }

    /// <summary>Posts the inbox's triage form as a browser would: the hidden fields, and the given values.</summary>
    public static async Task<HttpResponseMessage> TriageAsync(HttpClient client, string inboxHtml, params (string Name, string Value)[] values)
    {
        var fields = FormOf(inboxHtml).Select(f => new KeyValuePair<string, string>(f.Key, f.Value))
            .Concat(values.Select(v => new KeyValuePair<string, string>(v.Name, v.Value)));
        return await client.PostAsync("/inbox/triage", new FormUrlEncodedContent(fields));
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenField();
}
