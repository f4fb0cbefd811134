using System.Text.Json;
using System.Text.Json.Serialization;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Features.Reports;
using Corrections.Features.Widget;
using Corrections.Outbox;
using Corrections.Pipeline;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddCorrectionsOptions();
builder.Services.AddCorrectionsDb(builder.Configuration);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddMediator((Mediator.MediatorOptions options) =>
{
    options.ServiceLifetime = ServiceLifetime.Scoped; // handlers use the DbContext
    options.PipelineBehaviors = [typeof(ValidationBehavior<,>), typeof(TransactionBehavior<,>)];
});
builder.Services.AddValidators();
builder.Services.AddMail(builder.Configuration);
builder.Services.AddSingleton<OutboxSignal>();
builder.Services.AddHostedService<OutboxDispatcher>();

builder.Services.AddReportsCors();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
builder.Services.ConfigureHttpJsonOptions(json =>
{
    json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
});

var app = builder.Build();

try
{
    ConfigurationCheck.ValidateAll(app.Services);
    await DatabaseSetup.PrepareAsync(app.Services, app.Lifetime.ApplicationStopping);
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync("The configuration is not valid:\n  " + string.Join("\n  ", ex.Failures));
    return 1;
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCors();
app.MapReports();
app.MapWidget();

await app.RunAsync();
return 0;

public partial class Program;
