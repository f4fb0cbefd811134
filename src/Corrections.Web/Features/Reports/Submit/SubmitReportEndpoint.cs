using System.Buffers;
using System.Text.Json;
using Corrections.Abuse;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Pipeline;
using Corrections.Telemetry;
using Mediator;

namespace Corrections.Features.Reports.Submit;

public sealed record SubmitReportResponse(Guid Id, ReportStatus Status);

/// <summary>The body of a submission, as the API reference shows it; the endpoint reads it field by field.</summary>
public sealed record SubmitReportRequest(
    string Site, string Url, string? Title, string? Lang, Admin.TextQuote Selection, string? Suggestion, string? Comment,
    string? ReaderEmail, string? ClientRequestId, string? Website, long? ElapsedMs);

public static class SubmitReportEndpoint
{
    public const int MaxBodyBytes = 16 * 1024;

    public static RouteHandlerBuilder MapSubmitReport(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/api/reports", SubmitAsync)
            .RequireRateLimiting(AbuseSetup.PerClientPolicy)
            .WithTags("Readers")
            .WithSummary("Report a mistake")
            .WithDescription("Answers 202 once the report is durably stored. The same clientRequestId again returns the same report; "
                + "an open report on the same page and passage is joined rather than repeated.")
            .Accepts<SubmitReportRequest>("application/json")
            .Produces<SubmitReportResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    private static async Task<IResult> SubmitAsync(
        HttpContext context, HttpRequest request, IMediator mediator, SiteDirectory sites, SiteRateLimiter siteLimiter, ClientAddressHasher hasher,
        CorrectionsMetrics metrics, CancellationToken cancellationToken)
    {
        metrics.ReportReceived();
        if (!request.HasJsonContentType())
        {
            metrics.ReportRejected("not_json", null);
            return Results.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "The report must be sent as JSON.",
                detail: "Send the report with Content-Type: application/json.");
        }

        var errors = new ValidationErrors();
        var (tooLarge, command) = await ReadSubmissionAsync(request, errors, cancellationToken);
        if (tooLarge)
        {
            metrics.ReportRejected("too_large", null);
            return Results.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "The report is too large.",
                detail: $"A report may be at most {MaxBodyBytes / 1024} KB.");
        }
        if (command is null)
        {
            metrics.ReportRejected("invalid", null);
            return Results.ValidationProblem(errors.ToDictionary(), title: "The report is not valid.", detail: "See errors for what to change in each field.");
        }

        if (sites.Find(command.Site) is { } site)
        {
            if (request.Headers.Origin.ToString() is { Length: > 0 } origin && !IsOwnOrigin(site, origin))
            {
                metrics.ReportRejected("origin", site.Key);
                return Results.Problem(
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "This page may not send reports for this site.",
                    detail: $"Reports for '{site.Key}' are accepted only from its registered origins, not from {origin}.");
            }
            using var lease = siteLimiter.Acquire(site.Key);
            if (!lease.IsAcquired)
            {
                metrics.ReportRejected("site_rate_limit", site.Key);
                await TooManyRequests.WriteAsync(context, lease, $"for the site '{site.Key}'", cancellationToken);
                return Results.Empty;
            }
        }

        command = command with { ClientHash = hasher.Hash(context.Connection.RemoteIpAddress) };
        SubmitReportResult result;
        try
        {
            result = await mediator.Send(command, cancellationToken);
        }
        catch (RequestValidationException)
        {
            metrics.ReportRejected("invalid", sites.Find(command.Site)?.Key);
            throw;
        }
        catch (NotFoundException)
        {
            metrics.ReportRejected("unknown_site", null);
            throw;
        }
        metrics.ReportAccepted(sites.Find(command.Site)!.Key, result.Joined);
        return Results.Accepted($"/api/reports/{result.Id}", new SubmitReportResponse(result.Id, result.Status));
    }

    private static bool IsOwnOrigin(Site site, string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && site.IsOwnOrigin(uri);

    /// <summary>
    /// Reads the body into a pooled buffer and parses it strictly (what is wrong goes to <paramref name="errors"/>);
    /// too large as soon as it passes the limit, before anything is parsed.
    /// </summary>
    public static async ValueTask<(bool TooLarge, SubmitReport? Command)> ReadSubmissionAsync(
        HttpRequest request, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            var length = await ReadBodyAsync(request, buffer, cancellationToken);
            return length > MaxBodyBytes ? (true, null) : (false, SubmissionJson.Read(buffer.AsMemory(0, length), errors));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the body into <paramref name="buffer"/> and returns its length; more than the limit once it is too large.</summary>
    private static async ValueTask<int> ReadBodyAsync(HttpRequest request, byte[] buffer, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
            return MaxBodyBytes + 1;
        var length = 0;
        while (length <= MaxBodyBytes)
        {
            var read = await request.Body.ReadAsync(buffer.AsMemory(length, MaxBodyBytes + 1 - length), cancellationToken);
            if (read == 0)
                return length;
            length += read;
        }
        return length;
    }
}

/// <summary>Reads a submission strictly: every field must have its JSON type, and what is wrong is told per field.</summary>
public static class SubmissionJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>The body is only read here: it may be a pooled buffer, returned once this has read it.</summary>
    public static SubmitReport? Read(ReadOnlyMemory<byte> body, ValidationErrors errors)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, Options);
        }
        catch (JsonException ex)
        {
            errors.Add("$", $"The body is not valid JSON: {ex.Message}");
            return null;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add("$", "The body must be a JSON object.");
                return null;
            }

            var site = Text(root, "site", "site", errors, required: true);
            var url = Text(root, "url", "url", errors, required: true);
            var title = Text(root, "title", "title", errors);
            var lang = Text(root, "lang", "lang", errors);
            string? exact = null, prefix = null, suffix = null;
            if (!root.TryGetProperty("selection", out var selection) || selection.ValueKind == JsonValueKind.Null)
                errors.Add("selection", "The selection is required: an object with exact, prefix and suffix.");
            else if (selection.ValueKind != JsonValueKind.Object)
                errors.Add("selection", "The selection must be an object with exact, prefix and suffix.");
            else
            {
                exact = Text(selection, "exact", "selection.exact", errors, required: true);
                prefix = Text(selection, "prefix", "selection.prefix", errors);
                suffix = Text(selection, "suffix", "selection.suffix", errors);
            }
            var suggestion = Text(root, "suggestion", "suggestion", errors);
            var comment = Text(root, "comment", "comment", errors);
            var readerEmail = Text(root, "readerEmail", "readerEmail", errors);
            var clientRequestId = Text(root, "clientRequestId", "clientRequestId", errors);
            var honeypot = Text(root, "website", "website", errors);
            var elapsedMs = WholeNumber(root, "elapsedMs", errors);

            if (errors.Any)
                return null;
            return new SubmitReport(
                site!.Trim(),
                url!.Trim(),
                Optional(title),
                Optional(lang),
                exact!,
                prefix ?? "",
                suffix ?? "",
                Optional(suggestion),
                Optional(comment),
                Optional(readerEmail),
                Optional(clientRequestId),
                Honeypot: honeypot,
                ElapsedMs: elapsedMs);
        }
    }

    private static string? Optional(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? Text(JsonElement parent, string name, string field, ValidationErrors errors, bool required = false)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
                errors.Add(field, $"The field {field} is required.");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(field, $"The field {field} must be a string, not {Describe(value.ValueKind)}.");
            return null;
        }
        string raw;
        try
        {
            raw = value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            errors.Add(field, $"The field {field} is not valid UTF-8 text.");
            return null;
        }
        var text = ReaderText.Clean(raw);
        if (required && string.IsNullOrWhiteSpace(text))
            errors.Add(field, $"The field {field} must not be empty.");
        return text;
    }

    private static long? WholeNumber(JsonElement parent, string name, ValidationErrors errors)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number) || number < 0)
        {
            errors.Add(name, $"The field {name} must be a whole number of 0 or more.");
            return null;
        }
        return number;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
