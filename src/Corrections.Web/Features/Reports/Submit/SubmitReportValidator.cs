using System.Text.RegularExpressions;
using Corrections.Configuration;
using Corrections.Email;
using Corrections.Pipeline;
using Microsoft.Extensions.Options;

namespace Corrections.Features.Reports.Submit;

public sealed partial class SubmitReportValidator(SiteDirectory sites, IOptions<PrivacyOptions> privacy) : IValidator<SubmitReport>
{
    public const int MaxExact = 1000;
    public const int MaxContext = 500;
    public const int MaxText = 2000;
    public const int MaxUrl = 2048;
    public const int MaxTitle = 500;
    public const int MaxAuthorOrSection = 200;

    public ValueTask ValidateAsync(SubmitReport report, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var site = sites.Find(report.Site)
            ?? throw new NotFoundException("Unknown site.", $"No site with the key '{report.Site}' is registered here; check the data-site attribute of the script tag.");

        if (report.Url.Length > MaxUrl)
            errors.Add("url", $"The URL must be at most {MaxUrl} characters.");
        else if (!Uri.TryCreate(report.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            errors.Add("url", "The URL must be an absolute http or https address.");
        else if (!site.IsOwnOrigin(url))
            errors.Add("url", $"The URL is not on one of the origins of the site '{site.Key}'.");
        else if (SubmitReportHandler.StoredUrl(url).Length > MaxUrl)
            errors.Add("url", $"The URL must be at most {MaxUrl} characters once escaped.");

        if (string.IsNullOrWhiteSpace(report.Exact))
            errors.Add("selection.exact", "The selected passage must not be empty.");
        else if (report.Exact.Length > MaxExact)
            errors.Add("selection.exact", $"The selected passage must be at most {MaxExact} characters; select a shorter part.");
        if (report.Prefix.Length > MaxContext)
            errors.Add("selection.prefix", $"The text before the passage must be at most {MaxContext} characters.");
        if (report.Suffix.Length > MaxContext)
            errors.Add("selection.suffix", $"The text after the passage must be at most {MaxContext} characters.");
        if (report.Suggestion?.Length > MaxText)
            errors.Add("suggestion", $"The suggestion must be at most {MaxText} characters.");
        if (report.Comment?.Length > MaxText)
            errors.Add("comment", $"The comment must be at most {MaxText} characters.");
        if (report.Title?.Length > MaxTitle)
            errors.Add("title", $"The title must be at most {MaxTitle} characters.");
        if (report.Author?.Length > MaxAuthorOrSection)
            errors.Add("author", $"The author must be at most {MaxAuthorOrSection} characters.");
        if (report.Section?.Length > MaxAuthorOrSection)
            errors.Add("section", $"The section must be at most {MaxAuthorOrSection} characters.");
        if (report.Lang is { } lang && !LanguageTag().IsMatch(lang))
            errors.Add("lang", "The language must be a language tag such as 'en' or 'pt-BR'.");
        if (report.ReaderEmail is { } email && !EmailAddresses.IsReaderAddress(email, privacy.Value.AllowReservedReaderDomains))
            errors.Add("readerEmail", "The email address is not valid or cannot receive mail from the internet; leave it empty to stay anonymous.");
        if (report.ClientRequestId is { } id && !ClientRequestId().IsMatch(id))
            errors.Add("clientRequestId", "The client request id must be 1-100 letters, digits, '-', '_', '.' or ':'.");
        return ValueTask.CompletedTask;
    }

    [GeneratedRegex("^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8}){0,3}$")]
    private static partial Regex LanguageTag();

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,100}$")]
    private static partial Regex ClientRequestId();
}
