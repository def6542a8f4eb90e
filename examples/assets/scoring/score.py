import json
import joblib
import numpy as np
import os

def init():
    """
    Called once when the endpoint starts up.
    Load the model into memory so it is ready for predictions.
    """
    global model
    # AZUREML_MODEL_DIR is set by Azure ML and points to the model directory
    model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")
    model = joblib.load(model_path)
    print(f"Model loaded from {model_path}")

def run(raw_data):
    """
    Called for each prediction request.
    Takes JSON input, runs prediction, and returns JSON output.
    """
    try:
        # Parse the input data
        data = json.loads(raw_data)
        input_array = np.array(data["data"])

        # Run the prediction
        predictions = model.predict(input_array)
        probabilities = model.predict_proba(input_array)

        # Return results as JSON
        result = {
            "predictions": predictions.tolist(),
            "probabilities": probabilities.tolist()
        }
        return json.dumps(result)

    except Exception as e:
        return json.dumps({"error": str(e)})
